// The window's run setup: data, method, teacher (with the shipped models and a file browser), iterations, seed,
// device, run directory, and the settings table of the chosen method (the engine's method descriptors say which
// sections it shows). While a run is live, an edited row is sent to it (settingEdited) and the rest is locked.
#pragma once

#include <QGroupBox>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>

#include "shipped.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;
namespace onestep {
struct RunConfig;
}

class SetupPanel : public QGroupBox {
  Q_OBJECT

 public:
  // `autoDevice` names what "auto" resolves to, for the device combo.
  explicit SetupPanel(const QString& autoDevice, QWidget* parent = nullptr);

  QString data() const;     // the data spec, trimmed
  QString method() const;   // the method's name
  QString teacher() const;  // the teacher path or shipped file, trimmed
  int steps() const;
  int seed() const;
  QString device() const;  // "auto", "cpu", "cuda:N"
  QString runDir() const;  // trimmed

  // Fills the setup (the teacher: the data's shipped one when empty).
  void setSetup(const QString& data, const QString& method, const QString& teacher, int steps, int seed,
                const QString& runDir);
  // The data and teacher of a shipped teacher; the method and data of a shipped generator (its teacher follows the
  // data unless the user chose another).
  void setDataAndTeacher(const QString& data, const QString& teacher);
  void setMethodAndData(const QString& method, const QString& data);
  // Chooses a device, adding it when it is not listed (a run's "cuda") if `addIfMissing`; false when it did not.
  bool setDevice(const QString& device, bool addIfMissing = true);
  // While running, the setup is locked and edited settings go to the run.
  void setLive(bool live);

  // The settings table: the method's rows with their defaults, or `config`'s values (an opened run).
  void fillSettings(const onestep::RunConfig* config = nullptr);
  // Sets a row's value as a user editing it; false when the method has no such row.
  bool setSettingValue(const QString& key, const QString& value);
  // Rows whose value differs from the default (a new run's settings).
  QVector<QPair<QString, QString>> settingsChangedFromDefaults() const;
  // Rows edited since they were last in force (a resumed run's overrides).
  QVector<QPair<QString, QString>> settingsEdited() const;
  // What the table shows is now in force: later edits are measured against it.
  void markSettingsInForce();
  // The engine refused these live edits: back to the values in force.
  void rejectSettings(const QStringList& keys);

 signals:
  void dataChanged(const QString& data);                         // the user or setSetup changed the data
  void methodChanged(const QString& method);                     // likewise the method
  void shippedChosen(const ShippedEntry& model);                 // a model of the Shipped menu
  void settingEdited(const QString& key, const QString& value);  // a live edit, for the running run

 private:
  void onSettingEdited(int row, int column);
  QString settingText(int row) const;  // a row's value as the engine takes it ("0" for a row showing "auto (64)")

  QComboBox* m_dataCombo = nullptr;
  QComboBox* m_methodCombo = nullptr;
  QComboBox* m_deviceCombo = nullptr;  // auto, cpu, cuda:N (those this LibTorch can use)
  QLineEdit* m_teacherEdit = nullptr;
  QLineEdit* m_runDirEdit = nullptr;
  QSpinBox* m_stepsSpin = nullptr;
  QSpinBox* m_seedSpin = nullptr;
  QTableWidget* m_settingsTable = nullptr;
  QLabel* m_settingHelp = nullptr;  // the current row's explanation and default
  bool m_live = false;
  bool m_fillingSettings = false;
  bool m_settingsForPoints = false;  // the table's automatic values are those of points (else images)
};
