#include "field_view.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace {

const QString kInfo = QStringLiteral("field.info");
const QString kData = QStringLiteral("field.data");
const QString kTeacherSamples = QStringLiteral("field.teacherSamples");
const QString kGenerator = QStringLiteral("field.generator");
const QString kTeacherField = QStringLiteral("field.teacherField");
const QString kFakeField = QStringLiteral("field.fakeField");
const QString kMap = QStringLiteral("field.map");

struct Layer {
  const char* name;
  const char* label;
  QColor colour;
};
const Layer kLayers[] = {
    {"data", "data", QColor(150, 150, 150)},
    {"teacher", "teacher samples", QColor(44, 160, 44)},
    {"generator", "generator samples", QColor(31, 119, 180)},
    {"teacherField", "teacher's D(x;σ) − x", QColor(255, 127, 14)},
    {"fakeField", "fake score's D(x;σ) − x", QColor(214, 39, 40)},
    {"map", "generator map (latent grid)", QColor(148, 103, 189)},
};

QColor colourOf(const QString& layer) {
  for (const auto& l : kLayers)
    if (layer == QLatin1String(l.name)) return l.colour;
  return Qt::black;
}

// The arrow grid's points over [-1.5, 1.5]^2.
QVector<float> arrowGrid(int n) {
  QVector<float> xy;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      xy.append(static_cast<float>(-1.5 + 3.0 * j / (n - 1)));
      xy.append(static_cast<float>(-1.5 + 3.0 * i / (n - 1)));
    }
  return xy;
}

}  // namespace

FieldCanvas::FieldCanvas(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("fieldCanvas"));
  setMinimumSize(360, 360);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FieldCanvas::setPoints(const QString& layer, const QVector<float>& xy) {
  m_points[layer] = xy;
  update();
}

void FieldCanvas::setField(const QString& layer, const QVector<float>& at, const QVector<float>& direction) {
  m_fields[layer] = {at, direction};
  update();
}

void FieldCanvas::setGrid(const QVector<float>& xy, int rows, int cols) {
  m_grid = xy;
  m_rows = rows;
  m_cols = cols;
  update();
}

void FieldCanvas::setVisibleLayer(const QString& layer, bool visible) {
  m_hidden[layer] = !visible;
  update();
}

QPointF FieldCanvas::toPixel(double x, double y) const {
  const double side = std::min(width(), height());
  const double ox = (width() - side) / 2, oy = (height() - side) / 2;
  return {ox + (x / m_extent + 1) * 0.5 * side, oy + (1 - (y / m_extent + 1) * 0.5) * side};
}

void FieldCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(252, 252, 252));
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QColor(225, 225, 225));
  p.drawLine(toPixel(-m_extent, 0), toPixel(m_extent, 0));
  p.drawLine(toPixel(0, -m_extent), toPixel(0, m_extent));
  if (!m_hidden.value(QStringLiteral("map")) && m_rows > 1 && m_cols > 1 && m_grid.size() == 2 * m_rows * m_cols) {
    QColor c = colourOf(QStringLiteral("map"));
    c.setAlpha(150);
    p.setPen(QPen(c, 1));
    p.setBrush(Qt::NoBrush);
    for (int pass = 0; pass < 2; ++pass)
      for (int a = 0; a < (pass ? m_cols : m_rows); ++a) {
        QPainterPath path;
        for (int b = 0; b < (pass ? m_rows : m_cols); ++b) {
          const int k = pass ? b * m_cols + a : a * m_cols + b;
          const QPointF q = toPixel(m_grid[2 * k], m_grid[2 * k + 1]);
          if (b == 0)
            path.moveTo(q);
          else
            path.lineTo(q);
        }
        p.drawPath(path);
      }
  }
  for (const char* name : {"data", "teacher", "generator"}) {
    const QString layer = QLatin1String(name);
    if (m_hidden.value(layer) || !m_points.contains(layer)) continue;
    QColor c = colourOf(layer);
    c.setAlpha(layer == QLatin1String("data") ? 90 : 120);
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    const auto& xy = m_points[layer];
    for (int i = 0; i + 1 < xy.size(); i += 2) p.drawEllipse(toPixel(xy[i], xy[i + 1]), 2.0, 2.0);
  }
  for (const char* name : {"teacherField", "fakeField"}) {
    const QString layer = QLatin1String(name);
    if (m_hidden.value(layer) || !m_fields.contains(layer)) continue;
    const auto& [at, dir] = m_fields[layer];
    // Arrows scaled so the longest is one grid cell: directions, not magnitudes, are what one reads here.
    double longest = 1e-12;
    for (int i = 0; i + 1 < dir.size(); i += 2) longest = std::max<double>(longest, std::hypot(dir[i], dir[i + 1]));
    const double cell = 3.0 / (FieldView::kArrows - 1), scale = 0.9 * cell / longest;
    p.setPen(QPen(colourOf(layer), 1.3));
    for (int i = 0; i + 1 < at.size() && i + 1 < dir.size(); i += 2) {
      const QPointF a = toPixel(at[i], at[i + 1]);
      const QPointF b = toPixel(at[i] + scale * dir[i], at[i + 1] + scale * dir[i + 1]);
      p.drawLine(a, b);
      const QPointF d = b - a;
      const double len = std::hypot(d.x(), d.y());
      if (len < 3) continue;
      const QPointF u = d / len, n(-u.y(), u.x());
      p.drawLine(b, b - 4 * u + 2.5 * n);
      p.drawLine(b, b - 4 * u - 2.5 * n);
    }
  }
  // Legend.
  int y = 8;
  p.setFont(font());
  for (const auto& l : kLayers) {
    const QString layer = QLatin1String(l.name);
    if (m_hidden.value(layer) || !hasLayer(layer)) continue;
    p.setPen(Qt::NoPen);
    p.setBrush(l.colour);
    p.drawRect(8, y + 3, 10, 10);
    p.setPen(QColor(60, 60, 60));
    p.drawText(24, y + 12, QString::fromUtf8(l.label));
    y += 18;
  }
}

FieldView::FieldView(ModelWorker* worker, QWidget* parent) : QWidget(parent), m_worker(worker) {
  setObjectName(QStringLiteral("fieldView"));
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  for (const auto& l : kLayers) {
    auto* box = new QCheckBox(QString::fromUtf8(l.label));
    box->setObjectName(QStringLiteral("layer_") + QLatin1String(l.name));
    box->setChecked(true);
    const QString layer = QLatin1String(l.name);
    connect(box, &QCheckBox::toggled, this, [this, layer](bool on) { m_canvas->setVisibleLayer(layer, on); });
    controls->addWidget(box);
  }
  controls->addStretch(1);
  layout->addLayout(controls);
  auto* sigmaRow = new QHBoxLayout;
  m_sigma = new QSlider(Qt::Horizontal);
  m_sigma->setObjectName(QStringLiteral("fieldSigma"));
  m_sigma->setRange(-200, 100);  // log10(σ) * 100: σ from 0.01 to 10
  m_sigma->setValue(-70);
  m_sigmaLabel = new QLabel;
  m_sigmaLabel->setMinimumWidth(80);
  auto* refreshButton = new QPushButton(tr("Refresh"));
  refreshButton->setObjectName(QStringLiteral("fieldRefresh"));
  refreshButton->setToolTip(tr("Reload the run's newest checkpoint"));
  sigmaRow->addWidget(new QLabel(tr("noise level σ of the fields")));
  sigmaRow->addWidget(m_sigma, 1);
  sigmaRow->addWidget(m_sigmaLabel);
  sigmaRow->addWidget(refreshButton);
  layout->addLayout(sigmaRow);
  m_caption = new QLabel(tr("Start or open a run on a 2-D toy to see its data, samples, score fields and map here."));
  m_caption->setObjectName(QStringLiteral("fieldCaption"));
  m_caption->setWordWrap(true);
  layout->addWidget(m_caption);
  m_canvas = new FieldCanvas;
  layout->addWidget(m_canvas, 1);
  m_sigmaLabel->setText(QStringLiteral("σ = %1").arg(sigma(), 0, 'g', 3));
  connect(m_sigma, &QSlider::valueChanged, this, [this] {
    m_sigmaLabel->setText(QStringLiteral("σ = %1").arg(sigma(), 0, 'g', 3));
    refresh();
  });
  connect(refreshButton, &QPushButton::clicked, this, [this] {
    m_reload = true;
    refresh();
  });
  connect(m_worker, &ModelWorker::replied, this, &FieldView::onReply);
}

double FieldView::sigma() const { return std::pow(10.0, m_sigma->value() / 100.0); }

void FieldView::setModel(const QString& model, const QString& dataSpec, bool reload) {
  const bool newData = dataSpec != m_data;
  m_model = model;
  m_data = dataSpec;
  m_reload = m_reload || reload;
  if (newData && dataSpec.startsWith(QLatin1String("toy:"))) {
    ModelRequest d;
    d.kind = ModelRequest::Kind::Data;
    d.channel = kData;
    d.data = dataSpec;
    d.n = 1500;
    d.seed = 77;
    m_worker->post(d);
  }
  ModelRequest r;
  r.kind = ModelRequest::Kind::Info;
  r.channel = kInfo;
  r.model = model;
  r.reload = m_reload;
  m_worker->post(r);
  m_reload = false;
}

void FieldView::refresh() {
  if (m_model.isEmpty()) return;
  if (m_reload) {
    setModel(m_model, m_data, true);  // the info reply refreshes the layers
    return;
  }
  if (!m_info.points) return;
  ModelRequest g;
  g.channel = kGenerator;
  g.model = m_model;
  g.n = 1500;
  g.seed = 1;
  m_worker->post(g);
  const QString teacher = m_info.multiStep ? m_model : m_teacher;
  if (!teacher.isEmpty() && !m_info.multiStep) {
    ModelRequest t;
    t.channel = kTeacherSamples;
    t.model = teacher;
    t.n = 1500;
    t.seed = 1;
    m_worker->post(t);
  }
  const QVector<float> grid = arrowGrid(kArrows);
  for (const auto& field : m_info.fields) {
    ModelRequest f;
    f.kind = ModelRequest::Kind::Field;
    f.channel = field == "fake_score" ? kFakeField : kTeacherField;
    f.model = m_model;
    f.field = QString::fromStdString(field);
    f.points = grid;
    f.sigma = sigma();
    m_worker->post(f);
  }
  if (!m_info.multiStep) {
    // The map: a grid of latents over [-3, 3] in the first two latent coordinates (the others 0), generated.
    ModelRequest m;
    m.channel = kMap;
    m.model = m_model;
    const int d = static_cast<int>(m_info.noiseSize());
    m.n = kMapLines * kMapLines;
    m.noise.fill(0.0f, m.n * d);
    for (int i = 0; i < kMapLines; ++i)
      for (int j = 0; j < kMapLines; ++j) {
        const int k = i * kMapLines + j;
        m.noise[k * d] = static_cast<float>(-3.0 + 6.0 * j / (kMapLines - 1));
        if (d > 1) m.noise[k * d + 1] = static_cast<float>(-3.0 + 6.0 * i / (kMapLines - 1));
      }
    m_worker->post(m);
  }
}

void FieldView::onReply(const ModelReply& reply) {
  if (!reply.channel.startsWith(QLatin1String("field.")) || !m_worker->isLatest(reply)) return;  // stale: dropped
  if (!reply.ok) {
    const QString message = tr("2-D view: %1").arg(reply.error);
    m_caption->setText(message);
    emit failed(message);
    emit updated();
    return;
  }
  if (reply.channel == kInfo) {
    m_info = reply.info;
    m_teacher = QString::fromStdString(m_info.teacher);
    if (!m_info.points) {
      m_caption->setText(tr("The 2-D view is for runs on 2-D toys; %1 makes images.").arg(m_model));
      return;
    }
    m_caption->setText(tr("%1 · %2 at iteration %3 · arrows: D(x; σ) − x, which points towards the data at noise "
                          "level σ (scaled to fit)")
                           .arg(m_model, QString::fromStdString(m_info.method).toUpper())
                           .arg(m_info.iteration));
    refresh();
    return;
  }
  if (reply.channel == kData) m_canvas->setPoints(QStringLiteral("data"), reply.outputs);
  if (reply.channel == kTeacherSamples) m_canvas->setPoints(QStringLiteral("teacher"), reply.outputs);
  if (reply.channel == kGenerator)
    m_canvas->setPoints(m_info.multiStep ? QStringLiteral("teacher") : QStringLiteral("generator"), reply.outputs);
  if (reply.channel == kTeacherField || reply.channel == kFakeField)
    m_canvas->setField(reply.channel == kFakeField ? QStringLiteral("fakeField") : QStringLiteral("teacherField"),
                       arrowGrid(kArrows), reply.field);
  if (reply.channel == kMap) m_canvas->setGrid(reply.outputs, kMapLines, kMapLines);
  emit updated();
}
