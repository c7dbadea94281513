#include "compare_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {

const QString kInfo = QStringLiteral("compare.info");
const QString kTeacher = QStringLiteral("compare.teacher");
const QString kGen1 = QStringLiteral("compare.gen1");
const QString kGen2 = QStringLiteral("compare.gen2");
const QString kChart = QStringLiteral("compare.chart");

void showScaled(QLabel* pane, const QImage& image) {
  pane->setPixmap(QPixmap::fromImage(image).scaled(pane->size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

}  // namespace

CompareView::CompareView(ModelWorker* worker, QWidget* parent) : QWidget(parent), m_worker(worker) {
  setObjectName(QStringLiteral("compareView"));
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  m_sampler = new QComboBox;
  m_sampler->setObjectName(QStringLiteral("compareSampler"));
  m_sampler->addItem(tr("Heun"), QStringLiteral("heun"));
  m_sampler->addItem(tr("Euler"), QStringLiteral("euler"));
  m_steps = new QSpinBox;
  m_steps->setObjectName(QStringLiteral("compareSteps"));
  m_steps->setRange(1, 1000);
  m_steps->setValue(18);
  m_steps->setToolTip(tr("The teacher's schedule steps N (Heun: 2N-1 network evaluations, Euler: N)"));
  m_count = new QSpinBox;
  m_count->setObjectName(QStringLiteral("compareCount"));
  m_count->setRange(1, 4096);
  m_count->setValue(64);
  m_seed = new QSpinBox;
  m_seed->setObjectName(QStringLiteral("compareSeed"));
  m_seed->setRange(0, 1 << 30);
  m_class = new QComboBox;
  m_class->setObjectName(QStringLiteral("compareClass"));
  m_class->setToolTip(tr("Class-conditional models: the grid cycles through every class, or shows one"));
  m_class->addItem(tr("all classes"));
  m_class->setEnabled(false);
  auto* go = new QPushButton(tr("Compare"));
  go->setObjectName(QStringLiteral("compareButton"));
  controls->addWidget(new QLabel(tr("Teacher sampler")));
  controls->addWidget(m_sampler);
  controls->addWidget(new QLabel(tr("steps")));
  controls->addWidget(m_steps);
  controls->addWidget(new QLabel(tr("samples")));
  controls->addWidget(m_count);
  controls->addWidget(new QLabel(tr("seed")));
  controls->addWidget(m_seed);
  controls->addWidget(new QLabel(tr("class")));
  controls->addWidget(m_class);
  controls->addWidget(go);
  controls->addStretch(1);
  layout->addLayout(controls);
  m_header = new QLabel(tr("Start or open a distillation run to compare its generator with its teacher."));
  m_header->setObjectName(QStringLiteral("compareHeader"));
  m_header->setWordWrap(true);
  layout->addWidget(m_header);

  auto* panes = new QHBoxLayout;
  auto column = [&](QLabel*& caption, QLabel*& pane, const QString& name) {
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(0, 0, 0, 0);
    caption = new QLabel;
    caption->setObjectName(name + QStringLiteral("Caption"));
    caption->setWordWrap(true);
    pane = makePane(name);
    v->addWidget(caption);
    v->addWidget(pane, 1);
    panes->addWidget(w, 1);
    return w;
  };
  column(m_teacherCaption, m_teacherPane, QStringLiteral("compareTeacher"));
  column(m_gen1Caption, m_gen1Pane, QStringLiteral("compareGenerator"));
  m_gen2Column = column(m_gen2Caption, m_gen2Pane, QStringLiteral("compareGenerator2"));
  m_gen2Column->hide();
  layout->addLayout(panes, 3);

  m_stripCaption = new QLabel(tr("The teacher's denoised estimate D(x; σ) of the first sample along its steps"));
  layout->addWidget(m_stripCaption);
  auto* stripHolder = new QWidget;
  m_strip = new QHBoxLayout(stripHolder);
  m_strip->setContentsMargins(0, 0, 0, 0);
  m_strip->addStretch(1);
  auto* stripScroll = new QScrollArea;
  stripScroll->setObjectName(QStringLiteral("compareStrip"));
  stripScroll->setWidget(stripHolder);
  stripScroll->setWidgetResizable(true);
  stripScroll->setFixedHeight(130);
  layout->addWidget(stripScroll);

  auto* chartRow = new QHBoxLayout;
  m_chart = new QCustomPlot;
  m_chart->setObjectName(QStringLiteral("nfeChart"));
  m_chart->setMinimumHeight(200);
  m_chart->xAxis->setLabel(tr("network evaluations per sample (NFE)"));
  m_chart->xAxis->setScaleType(QCPAxis::stLogarithmic);
  m_chart->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog));
  m_chart->yAxis->setLabel(tr("FID"));
  m_chart->xAxis->setRange(0.8, 45);  // 1 to 35 NFE, also before the first curve
  m_chart->yAxis->setRange(1, 1000);
  // Log scale: a few-step teacher can be thousands of times worse than the one-step generator.
  m_chart->yAxis->setScaleType(QCPAxis::stLogarithmic);
  m_chart->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog));
  m_chart->yAxis->setNumberFormat(QStringLiteral("gb"));
  m_chart->legend->setVisible(false);  // shown with the first curve: an empty legend is a bare frame
  auto* chartSide = new QVBoxLayout;
  m_chartButton = new QPushButton(tr("FID vs NFE"));
  m_chartButton->setObjectName(QStringLiteral("nfeChartButton"));
  m_chartButton->setToolTip(
      tr("Samples the teacher at 1, 3, 5, 9, 17 and 35 NFE and scores each against the data "
         "(slow on images), with the generator's point"));
  m_chartStatus = new QLabel;
  m_chartStatus->setWordWrap(true);
  m_chartStatus->setMaximumWidth(180);
  chartSide->addWidget(m_chartButton);
  chartSide->addWidget(m_chartStatus);
  chartSide->addStretch(1);
  chartRow->addWidget(m_chart, 1);
  chartRow->addLayout(chartSide);
  layout->addLayout(chartRow, 2);

  connect(go, &QPushButton::clicked, this, &CompareView::compare);
  connect(m_class, &QComboBox::activated, this, &CompareView::compare);
  connect(m_chartButton, &QPushButton::clicked, this, &CompareView::computeChart);
  connect(m_worker, &ModelWorker::replied, this, &CompareView::onReply);
}

QLabel* CompareView::makePane(const QString& objectName) {
  auto* pane = new QLabel;
  pane->setObjectName(objectName);
  pane->setAlignment(Qt::AlignCenter);
  pane->setMinimumSize(200, 200);
  pane->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  pane->setStyleSheet(QStringLiteral("background: #fafafa; border: 1px solid #ddd;"));
  return pane;
}

void CompareView::setModel(const QString& model, bool reload) {
  m_model = model;
  m_reload = m_reload || reload;
  ModelRequest r;
  r.kind = ModelRequest::Kind::Info;
  r.channel = kInfo;
  r.model = model;
  r.reload = m_reload;
  m_worker->post(r);
}

void CompareView::compare() {
  if (m_model.isEmpty()) return;
  const bool denoiser = m_info.multiStep;
  ModelRequest t;
  t.channel = kTeacher;
  t.model = denoiser ? m_model : m_teacher;
  t.n = m_count->value();
  t.seed = static_cast<quint64>(m_seed->value());
  t.sampler = m_sampler->currentData().toString();
  t.steps = m_steps->value();
  t.keepDenoised = true;
  // The same classes for teacher and generator: sample i is class i mod K (a row of every class), or the chosen one.
  for (int i = 0; m_info.numClasses > 0 && i < t.n; ++i)
    t.labels.append(m_class->currentIndex() > 0 ? m_class->currentIndex() - 1 : i % m_info.numClasses);
  if (!t.model.isEmpty())
    m_worker->post(t);
  else
    m_teacherCaption->setText(
        tr("No teacher: %1 trains its generator from data alone").arg(QString::fromStdString(m_info.method)));
  if (denoiser) {
    m_gen1Caption->setText(tr("A teacher run: its own samples are on the left"));
    return;
  }
  ModelRequest g;
  g.channel = kGen1;
  g.model = m_model;
  g.n = t.n;
  g.seed = t.seed;
  g.steps = 1;
  g.labels = t.labels;
  g.reload = m_reload;
  m_worker->post(g);
  if (m_info.maxSteps == 2) {
    g.channel = kGen2;
    g.steps = 2;
    m_worker->post(g);
  }
  m_reload = false;
}

void CompareView::computeChart() {
  if (m_model.isEmpty()) return;
  if (m_info.path.empty()) {
    m_chartPending = true;  // drawn once the model's description (and so its teacher) has arrived
    return;
  }
  m_chartPending = false;
  ModelRequest r;
  r.kind = ModelRequest::Kind::Sweep;
  r.channel = kChart;
  r.model = m_model;
  r.teacherModel = m_info.multiStep ? m_model : m_teacher;
  r.nfe = {1, 3, 5, 9, 17, 35};
  r.sampler = m_sampler->currentData().toString();  // the curve of the sampler chosen for the comparison
  r.count = m_info.points ? 2000 : 1000;
  r.seed = static_cast<quint64>(m_seed->value());
  m_chartSampler = m_sampler->currentText();
  m_worker->post(r);
  m_chartButton->setEnabled(false);
  m_chartStatus->setText(tr("sampling the teacher (%1) at 6 step counts and the generator, %2 samples each …")
                             .arg(m_chartSampler)
                             .arg(r.count));
}

void CompareView::onReply(const ModelReply& reply) {
  if (!reply.channel.startsWith(QLatin1String("compare.")) || !m_worker->isLatest(reply)) return;  // stale: dropped
  if (!reply.ok) {
    if (reply.channel == kChart) {
      m_chartButton->setEnabled(true);
      m_chartStatus->setText(reply.error);
      emit chartShown();
    } else {
      m_header->setText(tr("Cannot compare: %1").arg(reply.error));
    }
    emit failed(tr("Compare: %1").arg(reply.error));
    emit updated();
    return;
  }
  const QString ms = tr("%1 ms per image").arg(reply.msPerImage, 0, 'f', reply.msPerImage < 10 ? 2 : 1);
  if (reply.channel == kInfo) {
    m_info = reply.info;
    m_teacher = QString::fromStdString(m_info.teacher);
    if (m_steps->value() == 18 && m_info.multiStep) m_steps->setValue(m_info.samplerSteps);
    m_gen2Column->setVisible(m_info.maxSteps == 2);
    if (m_class->count() != m_info.numClasses + 1) {
      m_class->clear();
      m_class->addItem(tr("all classes"));
      for (int c = 0; c < m_info.numClasses; ++c) m_class->addItem(tr("class %1").arg(c));
    }
    m_class->setEnabled(m_info.numClasses > 0);
    m_chart->yAxis->setLabel(m_info.points ? tr("energy distance") : tr("FID"));
    m_header->setText(
        m_info.multiStep
            ? tr("%1 is a denoiser: its samples at the chosen steps, and its FID-vs-NFE curve").arg(m_model)
            : tr("%1 (%2, iteration %3) against its teacher %4, from the same noise")
                  .arg(QFileInfo(m_model).fileName(), QString::fromStdString(m_info.method).toUpper())
                  .arg(m_info.iteration)
                  .arg(m_teacher.isEmpty() ? tr("(none)") : m_teacher));
    m_stripCaption->setText(m_info.points
                                ? tr("The teacher's denoised estimates D(x; σ) along its steps")
                                : tr("The teacher's denoised estimate D(x; σ) of the first sample along its steps"));
    compare();
    if (m_chartPending) computeChart();
  } else if (reply.channel == kTeacher) {
    showScaled(m_teacherPane, reply.image);
    m_teacherCaption->setText(tr("<b>Teacher</b> · %1, %2 steps · %3 NFE · %4")
                                  .arg(m_sampler->currentText())
                                  .arg(m_steps->value())
                                  .arg(reply.nfe)
                                  .arg(ms));
    while (m_strip->count() > 1) {
      QLayoutItem* item = m_strip->takeAt(0);
      delete item->widget();
      delete item;
    }
    for (int i = 0; i < reply.strip.size(); ++i) {
      auto* cell = new QLabel;
      cell->setPixmap(QPixmap::fromImage(reply.strip[i]).scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation));
      cell->setToolTip(tr("step %1: σ = %2").arg(i + 1).arg(reply.sigmas.value(i), 0, 'g', 3));
      auto* box = new QWidget;
      auto* v = new QVBoxLayout(box);
      v->setContentsMargins(0, 0, 0, 0);
      v->setSpacing(0);
      v->addWidget(cell);
      auto* sigma = new QLabel(QStringLiteral("σ %1").arg(reply.sigmas.value(i), 0, 'g', 3));
      sigma->setAlignment(Qt::AlignCenter);
      v->addWidget(sigma);
      m_strip->insertWidget(m_strip->count() - 1, box);
    }
  } else if (reply.channel == kGen1 || reply.channel == kGen2) {
    const bool two = reply.channel == kGen2;
    showScaled(two ? m_gen2Pane : m_gen1Pane, reply.image);
    (two ? m_gen2Caption : m_gen1Caption)
        ->setText(tr("<b>Generator</b> (%1, iteration %2) · %3 step%4 · %5 NFE · %6")
                      .arg(QString::fromStdString(reply.info.method).toUpper())
                      .arg(reply.info.iteration)
                      .arg(two ? 2 : 1)
                      .arg(two ? QStringLiteral("s") : QString())
                      .arg(reply.nfe)
                      .arg(ms));
  } else if (reply.channel == kChart) {
    m_chartButton->setEnabled(true);
    m_chart->clearGraphs();
    QCPGraph* teacher = m_chart->addGraph();
    teacher->setName(tr("teacher (%1)").arg(m_chartSampler));
    teacher->setPen(QPen(QColor(44, 160, 44), 2));
    teacher->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    for (const QPointF& p : reply.teacherCurve) teacher->addData(p.x(), p.y());
    QCPGraph* gen = m_chart->addGraph();
    gen->setName(tr("generator"));
    gen->setLineStyle(QCPGraph::lsNone);
    gen->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QColor(214, 39, 40), 14));
    if (!m_info.multiStep) gen->addData(reply.generatorPoint.x(), reply.generatorPoint.y());
    m_chart->legend->setVisible(true);
    m_chart->rescaleAxes();
    m_chart->xAxis->setRange(0.8, 45);
    const QCPRange y = m_chart->yAxis->range();
    if (y.lower > 0) m_chart->yAxis->setRange(y.lower / 2, y.upper * 2);  // margins, multiplicative on a log axis
    m_chart->replot();
    m_chartStatus->setText(m_info.multiStep ? tr("teacher curve done")
                                            : tr("generator: %1 = %2 at %3 NFE")
                                                  .arg(reply.metric)
                                                  .arg(reply.generatorPoint.y(), 0, 'g', 4)
                                                  .arg(reply.generatorPoint.x()));
    emit chartShown();
  }
  emit updated();
}
