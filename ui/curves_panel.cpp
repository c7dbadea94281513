// The training view's curves panel (curves_panel.h): the loss and evaluation plots, their overlays of other runs,
// hover and click.
#include "curves_panel.h"

#include <onestep/run_dir.h>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFont>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

namespace {

constexpr int kReplotMs = 100;  // plots replot at most 10 times a second
// ... and spend at most 1/kReplotShare of the GUI thread's time on it: on 2 cores that thread shares a core with
// training, so a slow replot (long curves) replots less often rather than slowing the run (benchmarks/README.md).
constexpr double kReplotShare = 25.0;

const QVector<QColor>& palette10() {
  static const QVector<QColor> colors = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                         QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                         QColor(227, 119, 194), QColor(127, 127, 127)};
  return colors;
}

}  // namespace

CurvesPanel::CurvesPanel(QWidget* parent) : QWidget(parent) {
  m_lossPlot = createPlot(QStringLiteral("lossPlot"), tr("losses"), tr("loss"));
  m_fidPlot = createPlot(QStringLiteral("fidPlot"), tr("evaluation"), tr("FID / energy distance"));
  auto* plotColumn = new QSplitter(Qt::Vertical);
  plotColumn->addWidget(m_lossPlot);
  plotColumn->addWidget(m_fidPlot);
  auto* curvesLayout = new QVBoxLayout(this);
  curvesLayout->setContentsMargins(0, 4, 0, 0);
  auto* toggles = new QHBoxLayout;
  auto* logScale = new QCheckBox(tr("log scale"));
  logScale->setObjectName(QStringLiteral("logScaleCheck"));
  logScale->setToolTip(tr("Logarithmic y axes (values <= 0 are not drawn)"));
  auto* smooth = new QCheckBox(tr("smooth"));
  smooth->setObjectName(QStringLiteral("smoothCheck"));
  smooth->setToolTip(tr("Exponential moving average of each curve (weight 0.9)"));
  auto* wallClock = new QCheckBox(tr("against wall time"));
  wallClock->setObjectName(QStringLiteral("wallClockCheck"));
  wallClock->setToolTip(tr("x axis: the run's wall time in seconds instead of iterations"));
  auto* overlay = new QPushButton(tr("Overlay run…"));
  overlay->setObjectName(QStringLiteral("overlayButton"));
  overlay->setToolTip(tr("Draw another run's curves (dashed) beside this one's for comparison"));
  auto* clearOverlay = new QPushButton(tr("Clear overlays"));
  clearOverlay->setObjectName(QStringLiteral("clearOverlayButton"));
  toggles->addWidget(logScale);
  toggles->addWidget(smooth);
  toggles->addWidget(wallClock);
  toggles->addStretch(1);
  toggles->addWidget(overlay);
  toggles->addWidget(clearOverlay);
  connect(wallClock, &QCheckBox::toggled, this, [this](bool on) {
    m_wallClock = on;
    for (auto* plot : {m_lossPlot, m_fidPlot}) plot->xAxis->setLabel(on ? tr("wall time (s)") : tr("iteration"));
    rebuildGraphs();
  });
  connect(overlay, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Run directory to overlay"));
    QString error;
    if (!dir.isEmpty() && !overlayRun(dir, &error)) emit failed(error);
  });
  connect(clearOverlay, &QPushButton::clicked, this, &CurvesPanel::clearOverlays);
  curvesLayout->addLayout(toggles);
  curvesLayout->addWidget(plotColumn, 1);
  connect(logScale, &QCheckBox::toggled, this, [this](bool on) {
    for (auto* plot : {m_lossPlot, m_fidPlot})
      for (QCPAxis* axis : {plot->yAxis, plot->yAxis2}) {
        axis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        axis->setTicker(on ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                           : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
      }
    m_replotPending = true;
  });
  connect(smooth, &QCheckBox::toggled, this, [this](bool on) {
    m_smooth = on;
    rebuildGraphs();
  });

  m_replotTimer = new QTimer(this);
  m_replotTimer->setInterval(kReplotMs);
  connect(m_replotTimer, &QTimer::timeout, this, [this] {
    if (!m_replotPending) return;
    m_replotPending = false;
    for (auto* plot : {m_lossPlot, m_fidPlot}) {
      plot->legend->setVisible(plot->graphCount() > 0);  // an empty legend would be a bare frame in the corner
      plot->rescaleAxes();
      plot->replot(QCustomPlot::rpQueuedReplot);
    }
    const double lastMs = m_lossPlot->replotTime() + m_fidPlot->replotTime();
    m_replotTimer->setInterval(std::max(kReplotMs, static_cast<int>(kReplotShare * lastMs)));
  });
  m_replotTimer->start();
}

void CurvesPanel::clear() {
  m_raw.clear();
  rebuildGraphs();
}

void CurvesPanel::loadRun(const QString& dir) {
  m_raw.clear();
  readMetrics(dir, QString(), m_raw);
  rebuildGraphs();
}

void CurvesPanel::addLosses(double iteration, double wallSec, const QMap<QString, double>& values) {
  for (auto it = values.begin(); it != values.end(); ++it)
    if (!onestep::isBookkeepingKey(it.key().toStdString()))
      addPoint(m_lossPlot, it.key(), iteration, wallSec, it.value());
}

void CurvesPanel::addEvaluation(double iteration, double wallSec, const QMap<QString, double>& metrics) {
  for (auto it = metrics.begin(); it != metrics.end(); ++it)
    if (!onestep::isBookkeepingKey(it.key().toStdString()))
      addPoint(m_fidPlot, it.key(), iteration, wallSec, it.value());
}

QCustomPlot* CurvesPanel::createPlot(const QString& objectName, const QString& title, const QString& yLabel) {
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

void CurvesPanel::rebuildGraphs() {
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

void CurvesPanel::addPoint(QCustomPlot* plot, const QString& name, double iteration, double wall, double value) {
  if (!std::isfinite(value)) return;
  const CurvePoint point{iteration, wall, value};
  m_raw[plot][name].append(point);
  drawPoint(plot, name, point, false);
}

void CurvesPanel::drawPoint(QCustomPlot* plot, const QString& name, const CurvePoint& point, bool overlay) {
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

bool CurvesPanel::readMetrics(const QString& dir, const QString& prefix, CurveSet& out) const {
  bool any = false;
  for (const auto& line : onestep::readMetrics(dir.toStdString())) {
    for (const auto& [key, value] : line.curves) {
      out[line.evaluation ? m_fidPlot : m_lossPlot][prefix + QString::fromStdString(key)].append(
          {static_cast<double>(line.iteration), line.wallSec, value});
      any = true;
    }
  }
  return any;
}

bool CurvesPanel::overlayRun(const QString& dir, QString* error) {
  const QString prefix = QFileInfo(dir).fileName() + QStringLiteral(": ");
  CurveSet curves;
  if (!readMetrics(dir, prefix, curves)) {
    if (error) *error = tr("'%1' has no curves to overlay (no readable metrics.jsonl)").arg(dir);
    return false;
  }
  for (auto plot = curves.begin(); plot != curves.end(); ++plot)
    for (auto it = plot.value().begin(); it != plot.value().end(); ++it) m_overlays[plot.key()][it.key()] = it.value();
  rebuildGraphs();
  emit message(tr("overlaid %1").arg(dir));
  return true;
}

void CurvesPanel::clearOverlays() {
  m_overlays.clear();
  rebuildGraphs();
}

bool CurvesPanel::nearestPoint(QCustomPlot* plot, const QPoint& pos, double radius, QString* name,
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

void CurvesPanel::onPlotHover(QCustomPlot* plot, QMouseEvent* event) {
  QString name;
  CurvePoint p;
  if (!nearestPoint(plot, event->pos(), 12, &name, &p)) {
    QToolTip::hideText();
    return;
  }
  QString text =
      tr("%1 = %2\niteration %3 · %4 s").arg(name).arg(p.value, 0, 'g', 5).arg(p.iteration).arg(p.wall, 0, 'f', 1);
  if (plot == m_fidPlot) text += tr("\nclick: samples of this iteration");
  QToolTip::showText(event->globalPosition().toPoint(), text, plot);
}

void CurvesPanel::onPlotClick(QCustomPlot* plot, QMouseEvent* event) {
  QString name;
  CurvePoint p;
  if (event->button() != Qt::LeftButton || !nearestPoint(plot, event->pos(), 12, &name, &p)) return;
  emit iterationClicked(static_cast<qint64>(p.iteration));
}

bool CurvesPanel::writeCurvesImage(const QStringList& runs, const QString& path, QString* error) {
  m_raw.clear();
  m_overlays.clear();
  for (const QString& dir : runs) {
    CurveSet curves;
    if (!readMetrics(dir, QFileInfo(dir).fileName() + QStringLiteral(": "), curves) || !curves.contains(m_fidPlot)) {
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
