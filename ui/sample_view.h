// The live sample grid with its history: every preview frame of the run is kept (PNG-compressed, thinned to
// a bounded count), a scrubber shows any earlier one, "Live" follows the newest, and a zoom shows pixels.
#pragma once

#include <QByteArray>
#include <QImage>
#include <QVector>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSlider;

class SampleView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxFrames = 400;  // beyond this every other old frame is dropped

  explicit SampleView(QWidget* parent = nullptr);

  // A new frame of the run; shown at once when following live.
  void addFrame(qint64 iteration, const QImage& image);
  // Forgets the history (a new run).
  void clear();
  // Adds the run directory's snapshots (snapshots/iter-*.png) after iteration `after` to the history; returns how
  // many.
  int loadSnapshots(const QString& runDir, qint64 after = -1);
  // Shows the newest frame at or before `iteration` (the earliest one if none is); leaves live mode.
  // False when there is no frame.
  bool showIteration(qint64 iteration);
  // Follows the newest frame again.
  void setLive(bool live);
  // 0 = fit the view; otherwise a pixel magnification (1, 2, 4).
  void setZoom(double factor);

  int frameCount() const { return static_cast<int>(m_frames.size()); }
  qint64 shownIteration() const { return m_shown < 0 ? -1 : m_frames[m_shown].iteration; }
  bool isLive() const { return m_live; }
  QImage currentImage() const { return m_image; }
  QVector<qint64> iterations() const;
  void setPlaceholder(const QString& text);

 signals:
  void shownIterationChanged(qint64 iteration, bool live);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Frame {
    qint64 iteration = 0;
    QByteArray png;  // compressed: a 512² scatter plot is ~1 MB as a QImage, ~20 KB as PNG
  };
  void insertFrame(qint64 iteration, const QImage& image);
  void show(int index);
  void render();
  void updateSlider();

  QVector<Frame> m_frames;  // ordered by iteration
  int m_shown = -1;
  bool m_live = true;
  double m_zoom = 0;
  QImage m_image;
  QLabel* m_caption = nullptr;
  QScrollArea* m_scroll = nullptr;
  QLabel* m_view = nullptr;
  QSlider* m_slider = nullptr;
  QLabel* m_sliderLabel = nullptr;
  QPushButton* m_liveButton = nullptr;
  QComboBox* m_zoomCombo = nullptr;
};
