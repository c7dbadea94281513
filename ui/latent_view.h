// The latent explorer: the generator answers in one step, so it can follow sliders. The latent is
//   z = scale · (slerp(z_A, z_B; t) + Σ_k a_k d_k)
// with z_A, z_B the noise of two seeds, d_k fixed random directions and a temperature `scale`; a class for
// conditional models. Every change posts a request; only the latest is drawn (stale replies are dropped).
// The current latent can be saved to and loaded from a JSON file.
#pragma once

#include <QVector>
#include <QWidget>

#include "model_worker.h"

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

class LatentView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kDirections = 4;

  LatentView(ModelWorker* worker, QWidget* parent = nullptr);

  void setModel(const QString& model, bool reload = false);
  // The latent the sliders describe (empty until the model's noise has arrived).
  QVector<float> latent() const;
  bool saveLatent(const QString& path, QString* error) const;
  bool loadLatent(const QString& path, QString* error);
  int requestsPosted() const { return m_posted; }
  int repliesShown() const { return m_shown; }

  QSlider* interpolationSlider() const { return m_mix; }

 signals:
  void updated();                       // a reply was drawn
  void failed(const QString& message);  // an engine error answered a request (the window shows a dialog)

 private:
  void requestNoise();
  void requestImage();
  void onReply(const ModelReply& reply);

  ModelWorker* m_worker;
  QString m_model;
  bool m_reload = false;
  onestep::ModelInfo m_info;
  QVector<float> m_a, m_b;
  QVector<QVector<float>> m_dirs;
  QVector<float> m_loaded;  // a latent loaded from a file replaces slerp(z_A, z_B) until a seed changes
  QImage m_background;      // points: generator samples behind the explored point
  QVector<float> m_backgroundPoints;
  int m_posted = 0;
  int m_shown = 0;
  QSpinBox* m_seedA = nullptr;
  QSpinBox* m_seedB = nullptr;
  QSlider* m_mix = nullptr;
  QVector<QSlider*> m_amps;
  QSlider* m_scale = nullptr;
  QComboBox* m_class = nullptr;
  QComboBox* m_steps = nullptr;
  QLabel* m_view = nullptr;
  QLabel* m_caption = nullptr;
};
