// The export dialog (Ctrl+E): which model, how many samples from which seed, and which outputs; the export runs
// on its own thread with a progress bar and a Cancel button, and the window keeps working meanwhile.
#pragma once

#include <QDialog>

#include <atomic>

#include "export_job.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;

class ExportDialog : public QDialog {
  Q_OBJECT

 public:
  explicit ExportDialog(const QString& model, QWidget* parent = nullptr);
  ~ExportDialog() override;

  // The request the dialog's fields describe.
  ExportRequest request() const;
  void setOutput(const QString& folder, const QString& name);
  void setModel(const QString& model);  // ignored while exporting
  bool isExporting() const { return m_thread != nullptr; }

 public slots:
  void startExport();
  void cancelExport();

 signals:
  void exportFinished(bool ok, const QString& message);

 protected:
  void reject() override;  // Escape / close: cancels a running export first

 private:
  void setBusy(bool busy);

  QLineEdit* m_model = nullptr;
  QSpinBox* m_count = nullptr;
  QSpinBox* m_seed = nullptr;
  QSpinBox* m_steps = nullptr;
  QSpinBox* m_class = nullptr;
  QLineEdit* m_folder = nullptr;
  QLineEdit* m_name = nullptr;
  QCheckBox* m_png = nullptr;
  QCheckBox* m_grid = nullptr;
  QCheckBox* m_npz = nullptr;
  QCheckBox* m_timelapse = nullptr;
  QComboBox* m_timelapseKind = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_status = nullptr;
  QPushButton* m_exportButton = nullptr;
  QPushButton* m_cancelButton = nullptr;
  QThread* m_thread = nullptr;
  std::atomic<bool> m_cancel{false};
};
