// The run setup panel (setup_panel.h): data, method, teacher with the shipped models, iterations, seed, device, run
// directory and the settings table whose edits reach a running run at its next iteration.
#include "setup_panel.h"

#include <onestep/config.h>
#include <onestep/data.h>
#include <onestep/runtime.h>

#include <algorithm>

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "methods.h"

namespace {

// The settings table's value items: the raw value of an automatic setting and the "auto (64)" text shown for it.
constexpr int kRawValueRole = Qt::UserRole + 3;
constexpr int kAutoTextRole = Qt::UserRole + 4;

// The setting prefixes a method uses (its sections), for the settings table.
QStringList prefixesOf(const QString& method) {
  QStringList prefixes;
  if (const onestep::MethodInfo* info = onestep::findMethod(method.toStdString()))
    for (const auto& section : info->sections) prefixes.append(QString::fromStdString(section) + QLatin1Char('.'));
  return prefixes;
}

}  // namespace

SetupPanel::SetupPanel(const QString& autoDevice, QWidget* parent) : QGroupBox(tr("Run setup"), parent) {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  m_dataCombo = new QComboBox;
  m_dataCombo->setObjectName(QStringLiteral("dataCombo"));
  m_dataCombo->setEditable(true);
  for (const auto& spec : onestep::builtinDataSpecs()) m_dataCombo->addItem(QString::fromStdString(spec));
  m_dataCombo->setToolTip(tr("A data spec: toy:NAME, fashion-mnist, mnist:DIR, cifar10:DIR, folder:DIR"));
  m_methodCombo = new QComboBox;
  m_methodCombo->setObjectName(QStringLiteral("methodCombo"));
  for (const auto& method : onestep::methods()) {
    m_methodCombo->addItem(QString::fromStdString(method.title), QString::fromStdString(method.name));
    m_methodCombo->setItemData(m_methodCombo->count() - 1, QString::fromStdString(method.summary), Qt::ToolTipRole);
  }
  m_teacherEdit = new QLineEdit;
  m_teacherEdit->setObjectName(QStringLiteral("teacherEdit"));
  m_teacherEdit->setPlaceholderText(tr("run directory, checkpoint or TorchScript .pt"));
  connect(m_teacherEdit, &QLineEdit::textChanged, m_teacherEdit, &QLineEdit::setToolTip);  // the whole path
  // Browse: a teacher is a run directory or a file (a checkpoint, an exported teacher or a TorchScript module).
  auto* browse = new QToolButton;
  browse->setObjectName(QStringLiteral("teacherBrowseButton"));
  browse->setText(tr("…"));
  browse->setPopupMode(QToolButton::InstantPopup);
  browse->setToolTip(tr("Choose a teacher run directory or model file"));
  auto* browseMenu = new QMenu(browse);
  browseMenu->addAction(tr("Run directory…"), this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Teacher run directory"));
    if (!dir.isEmpty()) m_teacherEdit->setText(dir);
  });
  browseMenu->addAction(tr("Model file (checkpoint, exported or TorchScript .pt)…"), this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Teacher model file"), QString(),
                                                      tr("Models (*.pt *.pth);;All files (*)"));
    if (!file.isEmpty()) m_teacherEdit->setText(file);
  });
  browse->setMenu(browseMenu);
  // The shipped models (the engine's list, as `onestep models`): a teacher fills the data and teacher fields; a
  // generator is opened in the model views, with the setup that continues it. The teacher that fits the data is
  // filled in by default.
  auto* shipped = new QToolButton;
  shipped->setObjectName(QStringLiteral("shippedTeacherButton"));
  shipped->setText(tr("Shipped"));
  shipped->setPopupMode(QToolButton::InstantPopup);
  shipped->setToolTip(tr("Models that ship with OneStep Studio (%1)")
                          .arg(shippedModelsDir().isEmpty() ? tr("none found") : shippedModelsDir()));
  auto* shippedMenu = new QMenu(shipped);
  const QVector<ShippedEntry> models = shippedModels();
  for (const QString& kind : {QStringLiteral("teacher"), QStringLiteral("generator")}) {
    bool first = true;
    for (const ShippedEntry& m : models) {
      if (m.kind != kind) continue;
      if (first) shippedMenu->addSection(kind == QLatin1String("teacher") ? tr("Teachers") : tr("One-step generators"));
      first = false;
      shippedMenu->addAction(QStringLiteral("%1  —  %2").arg(m.name, m.figure), this,
                             [this, m] { emit shippedChosen(m); });
    }
  }
  shipped->setMenu(shippedMenu);
  shipped->setEnabled(!shippedMenu->isEmpty());
  auto* teacherRow = new QHBoxLayout;
  teacherRow->addWidget(m_teacherEdit, 1);
  teacherRow->addWidget(shipped);
  teacherRow->addWidget(browse);
  m_stepsSpin = new QSpinBox;
  m_stepsSpin->setObjectName(QStringLiteral("stepsSpin"));
  m_stepsSpin->setRange(1, 10000000);
  m_stepsSpin->setValue(2000);
  m_seedSpin = new QSpinBox;
  m_seedSpin->setObjectName(QStringLiteral("seedSpin"));
  m_seedSpin->setRange(0, 1 << 30);
  m_runDirEdit = new QLineEdit(QDir::home().filePath(QStringLiteral("onestep-runs/run")));
  m_runDirEdit->setObjectName(QStringLiteral("runDirEdit"));
  m_deviceCombo = new QComboBox;
  m_deviceCombo->setObjectName(QStringLiteral("deviceCombo"));
  m_deviceCombo->setToolTip(tr("Where the run trains: auto = CUDA when this LibTorch can use it, else the CPU"));
  m_deviceCombo->addItem(tr("auto (%1)").arg(autoDevice), QStringLiteral("auto"));
  for (const auto& device : onestep::availableDevices()) {
    const QString name = QString::fromStdString(device);
    m_deviceCombo->addItem(name, name);
  }
  form->addRow(tr("Data"), m_dataCombo);
  form->addRow(tr("Method"), m_methodCombo);
  form->addRow(tr("Teacher"), teacherRow);
  form->addRow(tr("Iterations"), m_stepsSpin);
  form->addRow(tr("Seed"), m_seedSpin);
  form->addRow(tr("Device"), m_deviceCombo);
  form->addRow(tr("Run directory"), m_runDirEdit);
  layout->addLayout(form);

  auto* settingsLabel = new QLabel(tr("Settings (editable; changes apply at the next iteration while running)"));
  settingsLabel->setWordWrap(true);
  layout->addWidget(settingsLabel);
  m_settingsTable = new QTableWidget(0, 2);
  m_settingsTable->setObjectName(QStringLiteral("settingsTable"));
  m_settingsTable->setHorizontalHeaderLabels({tr("setting"), tr("value")});
  m_settingsTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_settingsTable->verticalHeader()->setVisible(false);
  m_settingsTable->verticalHeader()->setDefaultSectionSize(22);
  layout->addWidget(m_settingsTable, 1);
  // The chosen row's one-line explanation and default, always visible (the tooltips carry it too).
  m_settingHelp = new QLabel;
  m_settingHelp->setObjectName(QStringLiteral("settingHelp"));
  m_settingHelp->setWordWrap(true);
  m_settingHelp->setMinimumHeight(2 * m_settingHelp->fontMetrics().lineSpacing());
  m_settingHelp->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  layout->addWidget(m_settingHelp);
  connect(m_settingsTable, &QTableWidget::currentCellChanged, this, [this](int row) {
    const QTableWidgetItem* key = row >= 0 ? m_settingsTable->item(row, 0) : nullptr;
    m_settingHelp->setText(
        key ? tr("<b>%1</b>: %2 (default %3)")
                  .arg(key->text(), key->toolTip().toHtmlEscaped(), key->data(Qt::UserRole).toString().toHtmlEscaped())
            : tr("Select a setting to see what it does."));
  });
  connect(m_settingsTable, &QTableWidget::cellChanged, this, &SetupPanel::onSettingEdited);
  connect(m_dataCombo, &QComboBox::currentTextChanged, this, [this](const QString& data) {
    // Follow the data with the shipped teacher, unless the user chose another teacher.
    const QString current = m_teacherEdit->text().trimmed();
    const QVector<ShippedEntry> all = shippedModels();
    const bool shippedOrEmpty = current.isEmpty() || std::any_of(all.cbegin(), all.cend(), [&](const ShippedEntry& m) {
                                  return m.path == current;
                                });
    if (shippedOrEmpty) m_teacherEdit->setText(shippedTeacherFor(data));
    // Points and images have different automatic values: the table shows the new data's.
    if (data.trimmed().startsWith(QLatin1String("toy:")) != m_settingsForPoints) fillSettings();
    emit dataChanged(data.trimmed());
  });
  if (m_teacherEdit->text().isEmpty()) m_teacherEdit->setText(shippedTeacherFor(m_dataCombo->currentText()));
  connect(m_methodCombo, &QComboBox::currentIndexChanged, this, [this] {
    m_teacherEdit->setEnabled(!m_live && methodNeedsTeacher(method()));
    fillSettings();
    emit methodChanged(method());
  });
  fillSettings();
}

QString SetupPanel::data() const { return m_dataCombo->currentText().trimmed(); }
QString SetupPanel::method() const { return m_methodCombo->currentData().toString(); }
QString SetupPanel::teacher() const { return m_teacherEdit->text().trimmed(); }
int SetupPanel::steps() const { return m_stepsSpin->value(); }
int SetupPanel::seed() const { return m_seedSpin->value(); }
QString SetupPanel::device() const { return m_deviceCombo->currentData().toString(); }
QString SetupPanel::runDir() const { return m_runDirEdit->text().trimmed(); }

void SetupPanel::setDataAndTeacher(const QString& data, const QString& teacher) {
  m_dataCombo->setCurrentText(data);
  m_teacherEdit->setText(teacher);
}

void SetupPanel::setMethodAndData(const QString& method, const QString& data) {
  const int index = m_methodCombo->findData(method);
  if (index >= 0) m_methodCombo->setCurrentIndex(index);
  m_dataCombo->setCurrentText(data);
}

bool SetupPanel::setDevice(const QString& device, bool addIfMissing) {
  if (device.isEmpty()) return false;
  if (m_deviceCombo->findData(device) < 0) {
    if (!addIfMissing) return false;
    m_deviceCombo->addItem(device, device);
  }
  m_deviceCombo->setCurrentIndex(m_deviceCombo->findData(device));
  return true;
}

void SetupPanel::setLive(bool live) {
  m_live = live;
  for (QWidget* w : std::initializer_list<QWidget*>{m_dataCombo, m_methodCombo, m_stepsSpin, m_seedSpin, m_runDirEdit,
                                                    m_deviceCombo})
    w->setEnabled(!live);
  m_teacherEdit->setEnabled(!live && methodNeedsTeacher(method()));
}

QVector<QPair<QString, QString>> SetupPanel::settingsChangedFromDefaults() const {
  // The default is kept on the key item by fillSettings.
  QVector<QPair<QString, QString>> out;
  for (int row = 0; row < m_settingsTable->rowCount(); ++row) {
    const QTableWidgetItem* key = m_settingsTable->item(row, 0);
    const QString value = settingText(row);
    if (key->data(Qt::UserRole).toString() != value) out.append({key->text(), value});
  }
  return out;
}

QVector<QPair<QString, QString>> SetupPanel::settingsEdited() const {
  QVector<QPair<QString, QString>> out;
  for (int row = 0; row < m_settingsTable->rowCount(); ++row) {
    const auto* value = m_settingsTable->item(row, 1);
    if (value->text() != value->data(Qt::UserRole).toString())
      out.append({m_settingsTable->item(row, 0)->text(), settingText(row)});
  }
  return out;
}

void SetupPanel::markSettingsInForce() {
  m_fillingSettings = true;
  for (int row = 0; row < m_settingsTable->rowCount(); ++row) {
    auto* item = m_settingsTable->item(row, 1);
    item->setData(Qt::UserRole, item->text());
    item->setData(Qt::UserRole + 1, QVariant());
  }
  m_fillingSettings = false;
}

void SetupPanel::fillSettings(const onestep::RunConfig* config) {
  m_fillingSettings = true;
  const QStringList prefixes = prefixesOf(m_methodCombo->currentData().toString());
  const onestep::RunConfig defaults;
  std::map<std::string, std::string> defaultValues;
  for (const auto& s : onestep::listSettings(defaults)) defaultValues[s.key] = s.value;
  // What the automatic values (0, -1, auto) come to on the chosen data, shown as "auto (64)".
  onestep::RunConfig shownConfig = config ? *config : defaults;
  shownConfig.data = m_dataCombo->currentText().trimmed().toStdString();
  m_settingsForPoints = m_dataCombo->currentText().trimmed().startsWith(QLatin1String("toy:"));
  std::map<std::string, std::string> resolvedValues;
  for (const auto& s : onestep::listSettings(onestep::resolvedConfig(shownConfig))) resolvedValues[s.key] = s.value;
  m_settingsTable->setRowCount(0);
  for (const auto& s : onestep::listSettings(config ? *config : defaults)) {
    const QString key = QString::fromStdString(s.key);
    bool shown = key == QLatin1String("batch") || key == QLatin1String("eval_every");
    for (const auto& p : prefixes) shown = shown || key.startsWith(p);
    if (!shown) continue;
    const int row = m_settingsTable->rowCount();
    m_settingsTable->insertRow(row);
    auto* keyItem = new QTableWidgetItem(key);
    keyItem->setFlags(keyItem->flags() & ~Qt::ItemIsEditable);
    keyItem->setToolTip(QString::fromStdString(s.help));
    keyItem->setData(Qt::UserRole, QString::fromStdString(defaultValues[s.key]));  // shown in the help line
    auto* valueItem = new QTableWidgetItem(QString::fromStdString(s.value));
    const auto resolved = resolvedValues.find(s.key);
    if (resolved != resolvedValues.end() && resolved->second != s.value) {
      const QString shownText = tr("auto (%1)").arg(QString::fromStdString(resolved->second));
      valueItem->setData(kRawValueRole, valueItem->text());  // what the engine is given while the text is unedited
      valueItem->setData(kAutoTextRole, shownText);
      valueItem->setText(shownText);
    }
    valueItem->setToolTip(QString::fromStdString(s.help));
    valueItem->setData(Qt::UserRole, valueItem->text());  // the value last in force
    m_settingsTable->setItem(row, 0, keyItem);
    m_settingsTable->setItem(row, 1, valueItem);
  }
  m_fillingSettings = false;
  if (m_settingsTable->rowCount() > 0) m_settingsTable->setCurrentCell(0, 1);
}

QString SetupPanel::settingText(int row) const {
  const QTableWidgetItem* item = m_settingsTable->item(row, 1);
  const QVariant autoText = item->data(kAutoTextRole);
  return autoText.isValid() && item->text() == autoText.toString() ? item->data(kRawValueRole).toString()
                                                                   : item->text();
}

void SetupPanel::onSettingEdited(int row, int column) {
  if (m_fillingSettings || column != 1 || !m_live) return;
  auto* item = m_settingsTable->item(row, 1);
  if (item->text() == item->data(Qt::UserRole).toString()) return;
  emit settingEdited(m_settingsTable->item(row, 0)->text(), settingText(row));
  m_fillingSettings = true;                                   // setData emits cellChanged too
  item->setData(Qt::UserRole + 1, item->data(Qt::UserRole));  // restored if the engine refuses the value
  item->setData(Qt::UserRole, item->text());
  m_fillingSettings = false;
}

void SetupPanel::rejectSettings(const QStringList& keys) {
  m_fillingSettings = true;
  for (int row = 0; row < m_settingsTable->rowCount(); ++row) {
    if (!keys.contains(m_settingsTable->item(row, 0)->text())) continue;
    auto* item = m_settingsTable->item(row, 1);
    const QVariant before = item->data(Qt::UserRole + 1);
    if (!before.isValid()) continue;
    item->setText(before.toString());
    item->setData(Qt::UserRole, before);
  }
  m_fillingSettings = false;
}

void SetupPanel::setSetup(const QString& data, const QString& method, const QString& teacher, int steps, int seed,
                          const QString& runDir) {
  m_dataCombo->setCurrentText(data);
  const int index = m_methodCombo->findData(method);
  if (index >= 0) m_methodCombo->setCurrentIndex(index);
  m_teacherEdit->setText(teacher.isEmpty() ? shippedTeacherFor(data) : teacher);
  m_stepsSpin->setValue(steps);
  m_seedSpin->setValue(seed);
  m_runDirEdit->setText(runDir);
}

bool SetupPanel::setSettingValue(const QString& key, const QString& value) {
  for (int row = 0; row < m_settingsTable->rowCount(); ++row) {
    if (m_settingsTable->item(row, 0)->text() != key) continue;
    m_settingsTable->item(row, 1)->setText(value);
    return true;
  }
  return false;
}
