// The 2-D view for point data (after GAN Lab): data, teacher samples and generator samples as scatter layers,
// the teacher's and the fake score's denoising directions D(x; σ) - x at a chosen σ as arrow fields, and the
// generator's map from latent to output as a warped grid. Each layer can be switched; all follow the run.
#pragma once

#include <QHash>
#include <QVector>
#include <QWidget>

#include "model_worker.h"

class QCheckBox;
class QLabel;
class QSlider;

// The canvas: paints whatever layers it has been given, in data coordinates [-extent, extent]^2.
class FieldCanvas : public QWidget {
  Q_OBJECT

 public:
  explicit FieldCanvas(QWidget* parent = nullptr);
  void setPoints(const QString& layer, const QVector<float>& xy);
  void setField(const QString& layer, const QVector<float>& at, const QVector<float>& direction);
  void setGrid(const QVector<float>& xy, int rows, int cols);
  void setVisibleLayer(const QString& layer, bool visible);
  bool hasLayer(const QString& layer) const {
    return m_points.contains(layer) || m_fields.contains(layer) || (layer == QLatin1String("map") && !m_grid.isEmpty());
  }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QPointF toPixel(double x, double y) const;
  QHash<QString, QVector<float>> m_points;
  QHash<QString, QPair<QVector<float>, QVector<float>>> m_fields;
  QVector<float> m_grid;
  int m_rows = 0, m_cols = 0;
  QHash<QString, bool> m_hidden;
  double m_extent = 1.6;
};

class FieldView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kArrows = 21;    // arrows per side of the field grid
  static constexpr int kMapLines = 13;  // latent grid lines per direction

  FieldView(ModelWorker* worker, QWidget* parent = nullptr);

  // The run to show (a toy run; image runs get a note). reload: its checkpoint changed.
  void setModel(const QString& model, const QString& dataSpec, bool reload = false);
  void refresh();
  double sigma() const;
  FieldCanvas* canvas() const { return m_canvas; }

 signals:
  void updated();
  void failed(const QString& message);  // an engine error answered a request (the window shows a dialog)

 private:
  void onReply(const ModelReply& reply);

  ModelWorker* m_worker;
  QString m_model, m_data, m_teacher;
  bool m_reload = false;
  onestep::ModelInfo m_info;
  FieldCanvas* m_canvas = nullptr;
  QSlider* m_sigma = nullptr;
  QLabel* m_sigmaLabel = nullptr;
  QLabel* m_caption = nullptr;
};
