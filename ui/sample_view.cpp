#include "sample_view.h"

#include <onestep/run_dir.h>

#include <QBuffer>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>

SampleView::SampleView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  m_caption = new QLabel(tr("Samples from a fixed noise appear here when a run starts."));
  m_caption->setObjectName(QStringLiteral("sampleCaption"));
  m_caption->setWordWrap(true);
  m_view = new QLabel;
  m_view->setObjectName(QStringLiteral("sampleView"));
  m_view->setAlignment(Qt::AlignCenter);
  m_scroll = new QScrollArea;
  m_scroll->setObjectName(QStringLiteral("sampleScroll"));
  m_scroll->setWidget(m_view);
  m_scroll->setAlignment(Qt::AlignCenter);
  m_scroll->setMinimumSize(360, 360);
  m_scroll->setStyleSheet(QStringLiteral("QScrollArea { background: #fafafa; border: 1px solid #ddd; }"));

  auto* controls = new QHBoxLayout;
  m_slider = new QSlider(Qt::Horizontal);
  m_slider->setObjectName(QStringLiteral("historySlider"));
  m_slider->setToolTip(tr("History: drag to see the samples of an earlier iteration"));
  m_slider->setEnabled(false);
  m_sliderLabel = new QLabel;
  m_sliderLabel->setMinimumWidth(60);
  m_liveButton = new QPushButton(tr("Live"));
  m_liveButton->setObjectName(QStringLiteral("liveButton"));
  m_liveButton->setCheckable(true);
  m_liveButton->setChecked(true);
  m_liveButton->setToolTip(tr("Follow the newest samples"));
  m_zoomCombo = new QComboBox;
  m_zoomCombo->setObjectName(QStringLiteral("zoomCombo"));
  m_zoomCombo->addItem(tr("Fit"), 0.0);
  for (double z : {1.0, 2.0, 4.0}) m_zoomCombo->addItem(QStringLiteral("%1%").arg(z * 100), z);
  m_zoomCombo->setToolTip(tr("Zoom: fit the view, or magnify the pixels"));
  controls->addWidget(m_slider, 1);
  controls->addWidget(m_sliderLabel);
  controls->addWidget(m_liveButton);
  controls->addWidget(m_zoomCombo);
  layout->addWidget(m_caption);
  layout->addWidget(m_scroll, 1);
  layout->addLayout(controls);

  connect(m_slider, &QSlider::valueChanged, this, [this](int value) {
    if (value < 0 || value >= m_frames.size()) return;
    m_live = value == m_frames.size() - 1 && m_live;
    {
      QSignalBlocker block(m_liveButton);
      m_liveButton->setChecked(m_live);
    }
    show(value);
  });
  connect(m_slider, &QSlider::sliderPressed, this, [this] { setLive(false); });
  connect(m_liveButton, &QPushButton::toggled, this, &SampleView::setLive);
  connect(m_zoomCombo, &QComboBox::currentIndexChanged, this,
          [this] { setZoom(m_zoomCombo->currentData().toDouble()); });
}

void SampleView::setPlaceholder(const QString& text) {
  if (m_frames.isEmpty()) m_caption->setText(text);
}

QVector<qint64> SampleView::iterations() const {
  QVector<qint64> out;
  for (const auto& f : m_frames) out.append(f.iteration);
  return out;
}

void SampleView::insertFrame(qint64 iteration, const QImage& image) {
  Frame frame;
  frame.iteration = iteration;
  QBuffer buffer(&frame.png);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, "PNG", 10);  // fast compression: this runs for every preview
  auto at = std::lower_bound(m_frames.begin(), m_frames.end(), iteration,
                             [](const Frame& f, qint64 it) { return f.iteration < it; });
  if (at != m_frames.end() && at->iteration == iteration)
    *at = frame;
  else
    m_frames.insert(at, frame);
  if (m_frames.size() > kMaxFrames) {
    // Thin the history: keep every other frame, and always the newest.
    QVector<Frame> kept;
    for (int i = 0; i < m_frames.size(); ++i)
      if (i % 2 == 0 || i == m_frames.size() - 1) kept.append(m_frames[i]);
    m_frames = kept;
  }
}

void SampleView::addFrame(qint64 iteration, const QImage& image) {
  insertFrame(iteration, image);
  updateSlider();
  if (m_live) {
    m_image = image;
    m_shown = static_cast<int>(m_frames.size()) - 1;
    {
      QSignalBlocker block(m_slider);
      m_slider->setValue(m_shown);
    }
    m_caption->setText(tr("Samples at iteration %1 (fixed noise, EMA weights)").arg(iteration));
    m_sliderLabel->setText(tr("live"));
    render();
    emit shownIterationChanged(iteration, true);
  }
}

void SampleView::clear() {
  m_frames.clear();
  m_shown = -1;
  m_image = QImage();
  m_view->clear();
  m_live = true;
  QSignalBlocker block(m_liveButton);
  m_liveButton->setChecked(true);
  updateSlider();
}

int SampleView::loadSnapshots(const QString& runDir, qint64 after) {
  int loaded = 0;
  for (const auto& snapshot : onestep::listSnapshots(runDir.toStdString())) {
    if (snapshot.iteration <= after) continue;
    QImage image(QString::fromStdString(snapshot.path));
    if (image.isNull()) continue;
    insertFrame(snapshot.iteration, image);
    ++loaded;
  }
  updateSlider();
  if (loaded > 0 && m_live) show(static_cast<int>(m_frames.size()) - 1);
  return loaded;
}

bool SampleView::showIteration(qint64 iteration) {
  if (m_frames.isEmpty()) return false;
  auto at = std::upper_bound(m_frames.begin(), m_frames.end(), iteration,
                             [](qint64 it, const Frame& f) { return it < f.iteration; });
  const int index = at == m_frames.begin() ? 0 : static_cast<int>(at - m_frames.begin()) - 1;
  setLive(false);
  show(index);
  return true;
}

void SampleView::setLive(bool live) {
  m_live = live;
  {
    QSignalBlocker block(m_liveButton);
    m_liveButton->setChecked(live);
  }
  if (live && !m_frames.isEmpty()) show(static_cast<int>(m_frames.size()) - 1);
}

void SampleView::setZoom(double factor) {
  m_zoom = factor;
  const int index = m_zoomCombo->findData(factor);
  if (index >= 0 && index != m_zoomCombo->currentIndex()) {
    QSignalBlocker block(m_zoomCombo);
    m_zoomCombo->setCurrentIndex(index);
  }
  render();
}

void SampleView::show(int index) {
  if (index < 0 || index >= m_frames.size()) return;
  m_shown = index;
  m_image = QImage::fromData(m_frames[index].png, "PNG");
  {
    QSignalBlocker block(m_slider);
    m_slider->setValue(index);
  }
  const qint64 it = m_frames[index].iteration;
  const bool newest = index == m_frames.size() - 1;
  m_caption->setText(m_live ? tr("Samples at iteration %1 (fixed noise, EMA weights)").arg(it)
                            : tr("History: samples at iteration %1 (%2 of %3 frames; Live returns to the newest)")
                                  .arg(it)
                                  .arg(index + 1)
                                  .arg(m_frames.size()));
  m_sliderLabel->setText(m_live && newest ? tr("live") : QString::number(it));
  render();
  emit shownIterationChanged(it, m_live);
}

void SampleView::render() {
  if (m_image.isNull()) return;
  const bool fit = m_zoom <= 0;
  m_scroll->setWidgetResizable(fit);
  QPixmap pixmap = QPixmap::fromImage(m_image);
  if (fit) {
    const QSize room = m_scroll->viewport()->size() - QSize(4, 4);
    m_view->setPixmap(pixmap.scaled(room, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  } else {
    m_view->setPixmap(pixmap.scaled(m_image.size() * m_zoom, Qt::KeepAspectRatio, Qt::FastTransformation));
    m_view->adjustSize();
  }
}

void SampleView::updateSlider() {
  QSignalBlocker block(m_slider);
  m_slider->setRange(0, std::max(0, static_cast<int>(m_frames.size()) - 1));
  m_slider->setEnabled(m_frames.size() > 1);
}

void SampleView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  if (m_zoom <= 0) render();
}
