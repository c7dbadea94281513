// MainWindow's curves panel: the loss and FID plots, their overlays of other runs, hover and click.
#include "main_window.h"

#include "compare_view.h"
#include "export_dialog.h"
#include "field_view.h"
#include "latent_view.h"
#include "shipped.h"

#include <onestep/config.h>
#include <onestep/data.h>
#include <onestep/runtime.h>
#include <qcustomplot.h>

#include <algorithm>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QToolBar>
#include <QToolTip>
#include <QUrl>
#include <QVBoxLayout>

namespace {

const QVector<QColor>& palette10() {
  static const QVector<QColor> colors = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                         QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                                         QColor(227, 119, 194), QColor(127, 127, 127)};
  return colors;
}

}  // namespace

QCustomPlot* MainWindow::createPlot(const QString& objectName, const QString& title, const QString& yLabel) {
  auto* plot = new QCustomPlot;
  plot->setObjectName(objectName);
  plot->setMinimumSize(320, 220);
  plot->plotLayout()->insertRow(0);
  QFont bold = font();
  bold.setBold(true);
  plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, bold));
  plot->xAxis->setLabel(tr("iteration"));
  plot->yAxis->setLabel(yLabel);
  plot->legend->setVisible(false);  // shown once the plot has a curve
  plot->legend->setFont(font());
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->setMouseTracking(true);
  connect(plot, &QCustomPlot::mouseMove, this, [this, plot](QMouseEvent* e) { onPlotHover(plot, e); });
  connect(plot, &QCustomPlot::mouseRelease, this, [this, plot](QMouseEvent* e) { onPlotClick(plot, e); });
  return plot;
}

namespace {

// Metrics drawn on the evaluation plot's right axis (values in [0, 1] or near 0), beside FID on the left.
bool onRightAxis(const QString& name) {
  const QString base = name.section(QStringLiteral(": "), -1);
  return base == QLatin1String("kid") || base == QLatin1String("precision") || base == QLatin1String("recall");
}

QCPGraph* findGraph(QCustomPlot* plot, const QString& name) {
  for (int i = 0; i < plot->graphCount(); ++i)
    if (plot->graph(i)->name() == name) return plot->graph(i);
  return nullptr;
}

}  // namespace

void MainWindow::rebuildGraphs() {
  for (auto* plot : {m_lossPlot, m_fidPlot}) {
    plot->clearGraphs();
    for (const CurveSet* set : {&m_raw, &m_overlays}) {
      const auto series = set->value(plot);
      for (auto it = series.begin(); it != series.end(); ++it)
        for (const CurvePoint& p : it.value()) drawPoint(plot, it.key(), p, set == &m_overlays);
    }
  }
  m_replotPending = true;
}

void MainWindow::addPoint(QCustomPlot* plot, const QString& name, double iteration, double wall, double value) {
  if (!std::isfinite(value)) return;
  const CurvePoint point{iteration, wall, value};
  m_raw[plot][name].append(point);
  drawPoint(plot, name, point, false);
}

void MainWindow::drawPoint(QCustomPlot* plot, const QString& name, const CurvePoint& point, bool overlay) {
  QCPGraph* graph = findGraph(plot, name);
  double y = point.value;
  if (m_smooth && graph && !graph->data()->isEmpty())
    y = 0.9 * (graph->data()->constEnd() - 1)->value + 0.1 * y;  // EMA continuing from the graph's last value
  if (!graph) {
    const bool right = plot == m_fidPlot && onRightAxis(name);
    graph = plot->addGraph(plot->xAxis, right ? plot->yAxis2 : plot->yAxis);
    if (right) {
      plot->yAxis2->setVisible(true);
      plot->yAxis2->setLabel(tr("KID / precision / recall"));
    }
    graph->setName(name);
    // An overlay takes the colour of the current run's series of the same metric, dashed.
    const QString base = name.section(QStringLiteral(": "), -1);
    const QCPGraph* own = overlay ? findGraph(plot, base) : nullptr;
    QPen pen(own ? own->pen().color() : palette10()[(plot->graphCount() - 1) % palette10().size()], 1.5);
    if (overlay) pen.setStyle(Qt::DashLine);
    graph->setPen(pen);
  }
  graph->addData(m_wallClock ? point.wall : point.iteration, y);
  m_replotPending = true;
}

bool MainWindow::readMetrics(const QString& dir, const QString& prefix, CurveSet& out) const {
  QFile metrics(dir + QStringLiteral("/metrics.jsonl"));
  if (!metrics.open(QIODevice::ReadOnly)) return false;
  static const QStringList skipped = {QStringLiteral("iteration"), QStringLiteral("samples"), QStringLiteral("wall_s"),
                                      QStringLiteral("lr"), QStringLiteral("it_per_s"), QStringLiteral("stage"),
                                      QStringLiteral("r_over_t")};
  bool any = false;
  while (!metrics.atEnd()) {
    const QJsonObject j = QJsonDocument::fromJson(metrics.readLine()).object();
    const double it = j.value(QStringLiteral("iteration")).toDouble();
    const double wall = j.value(QStringLiteral("wall_s")).toDouble();
    const bool eval = j.contains(QStringLiteral("fid")) || j.contains(QStringLiteral("energy"));
    for (auto k = j.begin(); k != j.end(); ++k) {
      if (!k.value().isDouble() || skipped.contains(k.key()) || k.key().startsWith(QLatin1String("eval_"))) continue;
      const double v = k.value().toDouble();
      if (!std::isfinite(v)) continue;
      out[eval ? m_fidPlot : m_lossPlot][prefix + k.key()].append({it, wall, v});
      any = true;
    }
  }
  return any;
}

void MainWindow::overlayRun(const QString& dir) {
  const QString prefix = QFileInfo(dir).fileName() + QStringLiteral(": ");
  CurveSet curves;
  if (!readMetrics(dir, prefix, curves)) {
    reportError(tr("'%1' has no curves to overlay (no readable metrics.jsonl)").arg(dir));
    return;
  }
  for (auto plot = curves.begin(); plot != curves.end(); ++plot)
    for (auto it = plot.value().begin(); it != plot.value().end(); ++it) m_overlays[plot.key()][it.key()] = it.value();
  rebuildGraphs();
  statusBar()->showMessage(tr("overlaid %1").arg(dir), 4000);
}

void MainWindow::clearOverlays() {
  m_overlays.clear();
  rebuildGraphs();
}

bool MainWindow::nearestPoint(QCustomPlot* plot, const QPoint& pos, double radius, QString* name,
                              CurvePoint* point) const {
  double best = radius * radius;
  bool found = false;
  for (const CurveSet* set : {&m_raw, &m_overlays}) {
    const auto series = set->value(plot);
    for (auto it = series.begin(); it != series.end(); ++it) {
      QCPGraph* graph = findGraph(plot, it.key());
      if (!graph || !graph->visible()) continue;
      for (const CurvePoint& p : it.value()) {
        const double px = graph->keyAxis()->coordToPixel(m_wallClock ? p.wall : p.iteration);
        const double py = graph->valueAxis()->coordToPixel(p.value);
        const double d = (px - pos.x()) * (px - pos.x()) + (py - pos.y()) * (py - pos.y());
        if (d < best) {
          best = d;
          *name = it.key();
          *point = p;
          found = true;
        }
      }
    }
  }
  return found;
}

void MainWindow::onPlotHover(QCustomPlot* plot, QMouseEvent* event) {
  QString name;
  CurvePoint p;
  if (!nearestPoint(plot, event->pos(), 12, &name, &p)) {
    QToolTip::hideText();
    return;
  }
  QString text = tr("%1 = %2\niteration %3 · %4 s").arg(name).arg(p.value, 0, 'g', 5).arg(p.iteration).arg(p.wall, 0, 'f', 1);
  if (plot == m_fidPlot) text += tr("\nclick: samples of this iteration");
  QToolTip::showText(event->globalPosition().toPoint(), text, plot);
}

void MainWindow::onPlotClick(QCustomPlot* plot, QMouseEvent* event) {
  QString name;
  CurvePoint p;
  if (event->button() != Qt::LeftButton || !nearestPoint(plot, event->pos(), 12, &name, &p)) return;
  if (m_samples->showIteration(static_cast<qint64>(p.iteration)))
    statusBar()->showMessage(tr("samples of iteration %1 (from the history; Live returns)").arg(m_samples->shownIteration()), 4000);
}


bool MainWindow::writeCurvesImage(const QStringList& runs, const QString& path, QString* error) {
  m_raw.clear();
  m_overlays.clear();
  for (const QString& dir : runs) {
    CurveSet curves;
    if (!readMetrics(dir, QFileInfo(dir).fileName() + QStringLiteral(": "), curves) ||
        !curves.contains(m_fidPlot)) {
      *error = tr("'%1' has no FID or energy curve (no evaluations in its metrics.jsonl)").arg(dir);
      return false;
    }
    for (auto it = curves[m_fidPlot].begin(); it != curves[m_fidPlot].end(); ++it)
      m_overlays[m_fidPlot][it.key()] = it.value();
  }
  // As a user would: log scale on, then the plot against iterations and against wall time, side by side.
  if (auto* log = findChild<QCheckBox*>(QStringLiteral("logScaleCheck"))) log->setChecked(true);
  auto* wall = findChild<QCheckBox*>(QStringLiteral("wallClockCheck"));
  const QSize half(900, 600);
  QPixmap image(2 * half.width(), half.height());
  image.fill(Qt::white);
  QPainter painter(&image);
  for (const bool against : {false, true}) {
    if (wall) wall->setChecked(against);
    rebuildGraphs();
    int colour = 0;
    for (int i = 0; i < m_fidPlot->graphCount(); ++i) {
      QCPGraph* g = m_fidPlot->graph(i);
      const bool shown = !onRightAxis(g->name());  // FID (or energy) only: one scale
      g->setVisible(shown);
      if (!shown) {
        g->removeFromLegend();
        continue;
      }
      // A colour per run (every run is an overlay here, none is "the current run"), solid, with its evaluations marked.
      const QColor c = palette10()[colour++ % palette10().size()];
      g->setPen(QPen(c, 2));
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, c, 5));
    }
    m_fidPlot->yAxis2->setVisible(false);
    m_fidPlot->legend->setVisible(true);
    m_fidPlot->rescaleAxes(true);
    const QCPRange y = m_fidPlot->yAxis->range();
    if (y.lower > 0) m_fidPlot->yAxis->setRange(y.lower / 1.15, y.upper * 1.15);  // margins, multiplicative (log axis)
    painter.drawPixmap(against ? half.width() : 0, 0, m_fidPlot->toPixmap(half.width(), half.height()));
  }
  painter.end();
  if (!image.save(path, "PNG")) {
    *error = tr("cannot write '%1' (does the folder exist and is it writable?)").arg(path);
    return false;
  }
  return true;
}
