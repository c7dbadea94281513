// Compare: the same noise through the teacher (sampler and steps chosen here) and through the one-step
// generator (and its 2-step sample for consistency models), side by side with NFE and milliseconds per image;
// the teacher's denoised estimate along its steps as a strip; and FID (energy distance for points) against NFE:
// the teacher's curve with the generator's point.
#pragma once

#include <QWidget>

#include "model_worker.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QPushButton;
class QSpinBox;
class QHBoxLayout;

class CompareView : public QWidget {
  Q_OBJECT

 public:
  CompareView(ModelWorker* worker, QWidget* parent = nullptr);

  // The run (or model) to compare; its teacher comes from its config. reload: its checkpoint changed.
  void setModel(const QString& model, bool reload = false);
  QString teacher() const { return m_teacher; }

 public slots:
  void compare();       // samples both sides from the chosen seed
  void computeChart();  // the FID-versus-NFE chart (slow: samples the teacher at several NFE)

 signals:
  void updated();                       // a reply was shown (tests, screenshots)
  void chartShown();                    // the FID-versus-NFE chart (or its error) was shown
  void failed(const QString& message);  // an engine error answered a request (the window shows a dialog)

 private:
  void onReply(const ModelReply& reply);
  QLabel* makePane(const QString& objectName);

  ModelWorker* m_worker;
  QString m_model, m_teacher;
  bool m_reload = false;
  bool m_chartPending = false;
  QString m_chartSampler;  // the sampler of the curve being drawn (its legend)
  onestep::ModelInfo m_info;
  QComboBox* m_sampler = nullptr;
  QSpinBox* m_steps = nullptr;
  QSpinBox* m_count = nullptr;
  QSpinBox* m_seed = nullptr;
  QComboBox* m_class = nullptr;  // class-conditional models: every class in turn, or one class
  QLabel* m_header = nullptr;
  QLabel* m_teacherCaption = nullptr;
  QLabel* m_teacherPane = nullptr;
  QLabel* m_gen1Caption = nullptr;
  QLabel* m_gen1Pane = nullptr;
  QLabel* m_gen2Caption = nullptr;
  QLabel* m_gen2Pane = nullptr;
  QWidget* m_gen2Column = nullptr;
  QHBoxLayout* m_strip = nullptr;
  QLabel* m_stripCaption = nullptr;
  QCustomPlot* m_chart = nullptr;
  QLabel* m_chartStatus = nullptr;
  QPushButton* m_chartButton = nullptr;
};
