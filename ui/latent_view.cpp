#include "latent_view.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSaveFile>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace {

const QString kNoise = QStringLiteral("latent.noise");
const QString kImage = QStringLiteral("latent.image");
const QString kBackground = QStringLiteral("latent.background");
constexpr quint64 kDirectionSeed = 0xd1ec7000ULL;

// Spherical interpolation between two latents (linear when they are nearly parallel).
QVector<float> slerp(const QVector<float>& a, const QVector<float>& b, double t) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  const double cosine = std::clamp(ab / std::sqrt(aa * bb + 1e-20), -1.0, 1.0), omega = std::acos(cosine);
  double wa = 1 - t, wb = t;
  if (std::sin(omega) > 1e-6) {
    wa = std::sin((1 - t) * omega) / std::sin(omega);
    wb = std::sin(t * omega) / std::sin(omega);
  }
  QVector<float> out(a.size());
  for (int i = 0; i < a.size(); ++i) out[i] = static_cast<float>(wa * a[i] + wb * b[i]);
  return out;
}

QSlider* makeSlider(const QString& name, int lo, int hi, int value) {
  auto* s = new QSlider(Qt::Horizontal);
  s->setObjectName(name);
  s->setRange(lo, hi);
  s->setValue(value);
  return s;
}

}  // namespace

LatentView::LatentView(ModelWorker* worker, QWidget* parent) : QWidget(parent), m_worker(worker) {
  setObjectName(QStringLiteral("latentView"));
  auto* layout = new QHBoxLayout(this);
  auto* side = new QWidget;
  side->setMaximumWidth(380);
  auto* form = new QFormLayout(side);
  m_seedA = new QSpinBox;
  m_seedA->setObjectName(QStringLiteral("latentSeedA"));
  m_seedA->setRange(0, 1 << 30);
  m_seedB = new QSpinBox;
  m_seedB->setObjectName(QStringLiteral("latentSeedB"));
  m_seedB->setRange(0, 1 << 30);
  m_seedB->setValue(1);
  m_mix = makeSlider(QStringLiteral("latentMix"), 0, 1000, 0);
  m_mix->setToolTip(tr("Spherical interpolation from seed A (left) to seed B (right)"));
  form->addRow(tr("Seed A"), m_seedA);
  form->addRow(tr("Seed B"), m_seedB);
  form->addRow(tr("A → B"), m_mix);
  for (int k = 0; k < kDirections; ++k) {
    auto* s = makeSlider(QStringLiteral("latentDirection%1").arg(k), -300, 300, 0);
    s->setToolTip(tr("Amplitude (-3 … 3) along fixed random direction %1").arg(k + 1));
    m_amps.append(s);
    form->addRow(tr("Direction %1").arg(k + 1), s);
  }
  m_scale = makeSlider(QStringLiteral("latentScale"), 0, 150, 100);
  m_scale->setToolTip(tr("Temperature: the latent is multiplied by this (0 … 1.5)"));
  form->addRow(tr("Temperature"), m_scale);
  m_class = new QComboBox;
  m_class->setObjectName(QStringLiteral("latentClass"));
  form->addRow(tr("Class"), m_class);
  m_steps = new QComboBox;
  m_steps->setObjectName(QStringLiteral("latentSteps"));
  m_steps->addItem(tr("1 step"), 1);
  m_steps->addItem(tr("2 steps"), 2);
  form->addRow(tr("Generator"), m_steps);
  auto* buttons = new QHBoxLayout;
  auto* reset = new QPushButton(tr("Reset"));
  auto* save = new QPushButton(tr("Save latent…"));
  save->setObjectName(QStringLiteral("saveLatentButton"));
  auto* load = new QPushButton(tr("Load latent…"));
  load->setObjectName(QStringLiteral("loadLatentButton"));
  buttons->addWidget(reset);
  buttons->addWidget(save);
  buttons->addWidget(load);
  form->addRow(buttons);
  auto* column = new QVBoxLayout;
  m_caption = new QLabel(tr("Start or open a distillation run: its generator answers here as the sliders move."));
  m_caption->setObjectName(QStringLiteral("latentCaption"));
  m_caption->setWordWrap(true);
  m_view = new QLabel;
  m_view->setObjectName(QStringLiteral("latentImage"));
  m_view->setAlignment(Qt::AlignCenter);
  m_view->setMinimumSize(320, 320);
  m_view->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
  m_view->setStyleSheet(QStringLiteral("background: #fafafa; border: 1px solid #ddd;"));
  column->addWidget(m_caption);
  column->addWidget(m_view, 1);
  layout->addWidget(side);
  layout->addLayout(column, 1);

  auto changed = [this] { requestImage(); };
  // Moving the A→B slider leaves a loaded latent for the seeds' path again (it never sits there inactive).
  connect(m_mix, &QSlider::valueChanged, this, [this] {
    m_loaded.clear();
    requestImage();
  });
  for (QSlider* s : m_amps) connect(s, &QSlider::valueChanged, this, changed);
  connect(m_scale, &QSlider::valueChanged, this, changed);
  connect(m_class, &QComboBox::currentIndexChanged, this, changed);
  connect(m_steps, &QComboBox::currentIndexChanged, this, changed);
  auto seedChanged = [this] {
    m_loaded.clear();
    requestNoise();
  };
  connect(m_seedA, &QSpinBox::valueChanged, this, seedChanged);
  connect(m_seedB, &QSpinBox::valueChanged, this, seedChanged);
  connect(reset, &QPushButton::clicked, this, [this] {
    m_loaded.clear();
    m_mix->setValue(0);
    for (QSlider* s : m_amps) s->setValue(0);
    m_scale->setValue(100);
    requestImage();
  });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save latent"), QString(), tr("Latent (*.json)"));
    QString error;
    if (!path.isEmpty() && !saveLatent(path, &error)) QMessageBox::warning(this, tr("Save latent"), error);
  });
  connect(load, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load latent"), QString(), tr("Latent (*.json)"));
    QString error;
    if (!path.isEmpty() && !loadLatent(path, &error)) QMessageBox::warning(this, tr("Load latent"), error);
  });
  connect(m_worker, &ModelWorker::replied, this, &LatentView::onReply);
}

void LatentView::setModel(const QString& model, bool reload) {
  const bool same = model == m_model;
  m_model = model;
  m_reload = m_reload || reload;
  if (!same) m_background = QImage();
  requestNoise();
}

void LatentView::requestNoise() {
  if (m_model.isEmpty()) return;
  ModelRequest r;
  r.kind = ModelRequest::Kind::Info;
  r.channel = kNoise;
  r.model = m_model;
  r.reload = m_reload;
  r.noiseSeeds = {static_cast<quint64>(m_seedA->value()), static_cast<quint64>(m_seedB->value())};
  for (int k = 0; k < kDirections; ++k) r.noiseSeeds.append(kDirectionSeed + static_cast<quint64>(k));
  m_worker->post(r);
}

QVector<float> LatentView::latent() const {
  if (m_a.isEmpty() || m_a.size() != m_b.size()) return {};
  QVector<float> z = m_loaded.size() == m_a.size() ? m_loaded : slerp(m_a, m_b, m_mix->value() / 1000.0);
  for (int k = 0; k < m_dirs.size() && k < m_amps.size(); ++k) {
    const double a = m_amps[k]->value() / 100.0;
    for (int i = 0; i < z.size(); ++i) z[i] += static_cast<float>(a * m_dirs[k][i]);
  }
  const double scale = m_scale->value() / 100.0;
  for (float& v : z) v = static_cast<float>(v * scale);
  return z;
}

void LatentView::requestImage() {
  const QVector<float> z = latent();
  if (z.isEmpty() || m_model.isEmpty() || m_info.multiStep) return;
  ModelRequest r;
  r.channel = kImage;
  r.model = m_model;
  r.n = 1;
  r.noise = z;
  if (m_info.numClasses > 0) r.labels = {std::max(0, m_class->currentIndex())};
  r.steps = m_info.maxSteps == 2 ? m_steps->currentData().toInt() : 1;
  m_worker->post(r);
  ++m_posted;
}

bool LatentView::saveLatent(const QString& path, QString* error) const {
  const QVector<float> z = latent();
  if (z.isEmpty()) {
    *error = tr("no latent yet: open a generator first");
    return false;
  }
  QJsonArray values;
  for (float v : z) values.append(v);
  QJsonObject o{{QStringLiteral("format"), QStringLiteral("onestep-latent-1")},
                {QStringLiteral("model"), m_model},
                {QStringLiteral("class"), m_info.numClasses > 0 ? m_class->currentIndex() : -1},
                {QStringLiteral("latent"), values}};
  QSaveFile f(path);  // whole or not at all: an earlier latent of that name survives a failed write
  if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(o).toJson()) < 0 || !f.commit()) {
    *error = tr("cannot write '%1': %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

bool LatentView::loadLatent(const QString& path, QString* error) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    *error = tr("cannot read '%1': %2").arg(path, f.errorString());
    return false;
  }
  const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
  const QJsonArray values = o.value(QStringLiteral("latent")).toArray();
  if (o.value(QStringLiteral("format")).toString() != QLatin1String("onestep-latent-1") || values.isEmpty()) {
    *error = tr("'%1' is not a saved latent (expected a JSON file with format onestep-latent-1)").arg(path);
    return false;
  }
  if (!m_a.isEmpty() && values.size() != m_a.size()) {
    *error =
        tr("'%1' holds a latent of %2 values; this generator takes %3").arg(path).arg(values.size()).arg(m_a.size());
    return false;
  }
  m_loaded.clear();
  for (const auto& v : values) m_loaded.append(static_cast<float>(v.toDouble()));
  for (QSlider* s : m_amps) s->setValue(0);
  m_scale->setValue(100);
  if (o.value(QStringLiteral("class")).toInt() >= 0) m_class->setCurrentIndex(o.value(QStringLiteral("class")).toInt());
  requestImage();
  return true;
}

void LatentView::onReply(const ModelReply& reply) {
  if (!reply.channel.startsWith(QLatin1String("latent.")) || !m_worker->isLatest(reply)) return;  // stale: dropped
  if (!reply.ok) {
    m_caption->setText(tr("Cannot explore: %1").arg(reply.error));
    emit failed(tr("Latent explorer: %1").arg(reply.error));
    emit updated();
    return;
  }
  if (reply.channel == kNoise) {
    m_info = reply.info;
    m_reload = false;
    if (m_info.multiStep) {
      m_caption->setText(tr("%1 is a multi-step denoiser; the explorer drives one-step generators").arg(m_model));
      return;
    }
    m_a = reply.noises.value(0);
    m_b = reply.noises.value(1);
    m_dirs = reply.noises.mid(2);
    if (m_class->count() != m_info.numClasses) {
      m_class->clear();
      for (int c = 0; c < m_info.numClasses; ++c) m_class->addItem(tr("class %1").arg(c));
    }
    m_class->setEnabled(m_info.numClasses > 0);
    m_steps->setEnabled(m_info.maxSteps == 2);
    if (m_info.points && m_background.isNull()) {
      ModelRequest bg;
      bg.channel = kBackground;
      bg.model = m_model;
      bg.n = 1000;
      bg.seed = 12345;
      m_worker->post(bg);
    }
    requestImage();
    return;
  }
  if (reply.channel == kBackground) {
    m_background = reply.image;
    requestImage();
    return;
  }
  ++m_shown;
  QImage image = reply.image;
  if (m_info.points && !reply.outputs.isEmpty() && !m_background.isNull()) {
    // The explored point over a cloud of the generator's samples (same axes as samplesToImage: ±1.5).
    image = m_background.copy();
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    const double size = image.width(), extent = 1.5;
    const double x = reply.outputs[0], y = reply.dim > 1 ? reply.outputs[1] : 0.0;
    p.setPen(QPen(Qt::white, 2));
    p.setBrush(QColor(214, 39, 40));
    p.drawEllipse(QPointF((x / extent + 1) * 0.5 * size, (1 - (y / extent + 1) * 0.5) * size), 8, 8);
  }
  m_view->setPixmap(QPixmap::fromImage(image).scaled(
      m_view->size(), Qt::KeepAspectRatio, m_info.points ? Qt::SmoothTransformation : Qt::FastTransformation));
  m_caption->setText(tr("%1 · iteration %2 · %3 NFE · %4 ms · latent of %5 values")
                         .arg(QString::fromStdString(m_info.method).toUpper())
                         .arg(m_info.iteration)
                         .arg(reply.nfe)
                         .arg(reply.msPerImage, 0, 'f', 1)
                         .arg(m_a.size()));
  emit updated();
}
