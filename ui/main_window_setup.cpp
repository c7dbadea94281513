// MainWindow's side of the run setup: the setup panel (setup_panel.h) wired to the window, and the shipped model
// the views show before a run.
#include "main_window.h"

#include <onestep/methods.h>

#include <QLabel>
#include <QStatusBar>

#include "setup_panel.h"

QWidget* MainWindow::createSetupPanel() {
  m_setup = new SetupPanel(m_engine.device);
  m_setup->setObjectName(QStringLiteral("setupPanel"));
  connect(m_setup, &SetupPanel::dataChanged, this, [this] { showShippedGenerator(); });
  connect(m_setup, &SetupPanel::methodChanged, this, [this] { showShippedGenerator(); });
  connect(m_setup, &SetupPanel::shippedChosen, this, &MainWindow::openShipped);
  connect(m_setup, &SetupPanel::settingEdited, this, [this](const QString& key, const QString& value) {
    m_worker->requestSettings({{key, value}});
  });
  return m_setup;
}

void MainWindow::openShipped(const ShippedEntry& model) {
  if (model.kind == QLatin1String("teacher")) {
    m_setup->setDataAndTeacher(model.data, model.path);
    return;
  }
  if (m_running) {
    showErrorDialog(tr("Stop the run in progress before opening %1").arg(model.name));
    return;
  }
  // The generator's own setup, so that Start distils the same way from its teacher into a new run directory.
  m_setup->setMethodAndData(model.method, model.data);
  m_resumeDir.clear();
  m_runDir.clear();
  showShippedGenerator();
}

void MainWindow::showShippedGenerator() {
  if (m_running || !m_resumeDir.isEmpty()) return;  // a run's own model is shown
  const QString data = m_setup->data();
  const QString method = m_setup->method();
  // A teacher setup shows the shipped teacher; a distillation the shipped generator of its method.
  const onestep::MethodInfo* info = onestep::findMethod(method.toStdString());
  const bool oneStep = info && info->oneStep();
  const QString start = info ? QString::fromStdString(info->startSetting) : QString();
  const QString model = oneStep ? shippedGeneratorFor(data, method) : shippedTeacherFor(data);
  QString name;
  for (const ShippedEntry& e : shippedModels())
    if (e.path == model) name = e.name;
  // A new run of a method with a start setting (SiD's sid.init) continues the shipped generator (and its fake score)
  // instead of starting from the teacher; clearing the row starts from the teacher.
  if (!start.isEmpty()) m_setup->setSettingValue(start, model.isEmpty() ? QString() : name);
  if (model == m_shownModel) return;
  m_shownModel = model;
  if (m_runStatusLabel)
    m_runStatusLabel->setText(model.isEmpty() ? tr("no run")
                              : !start.isEmpty()
                                  ? tr("showing the shipped %1 · Start continues it in a new run (%2)").arg(name, start)
                                  : tr("showing the shipped %1 · Start distils a new run").arg(name));
  refreshViews(true);
}

void MainWindow::setSetup(const QString& data, const QString& method, const QString& teacher, int steps, int seed,
                          const QString& runDir) {
  m_setup->setSetup(data, method, teacher, steps, seed, runDir);
  m_resumeDir.clear();  // a new setup means a new run
}

bool MainWindow::setSettingValue(const QString& key, const QString& value) {
  return m_setup->setSettingValue(key, value);
}
