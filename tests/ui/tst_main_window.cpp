// MainWindow shows what the engine reports about itself: version, device, threads.
#include <onestep/runtime.h>
#include <qcustomplot.h>

#include <QAction>
#include <QCheckBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "export_dialog.h"
#include "main_window.h"
#include "shipped.h"

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    // Keeps QSettings (saved geometry) away from the user's real configuration.
    QStandardPaths::setTestModeEnabled(true);
  }

  void showsEngineVersion() {
    MainWindow window;
    auto* label = window.findChild<QLabel*>(QStringLiteral("engineVersionLabel"));
    QVERIFY(label != nullptr);
    QCOMPARE(label->text(), QString::fromStdString(onestep::version()));
    auto* torch = window.findChild<QLabel*>(QStringLiteral("torchVersionLabel"));
    QVERIFY(torch != nullptr);
    QCOMPARE(torch->text(), QString::fromStdString(onestep::torchVersion()));
  }

  void statusBarShowsDevice() {
    MainWindow window;
    const QString device = QString::fromStdString(onestep::resolveDevice("auto"));
    auto* status = window.statusBar()->findChild<QLabel*>(QStringLiteral("statusEngineLabel"));
    QVERIFY(status != nullptr);
    QVERIFY2(status->text().contains(QStringLiteral("device ") + device), qPrintable(status->text()));
    QVERIFY(status->text().contains(QString::fromStdString(onestep::version())));
    auto* deviceLabel = window.findChild<QLabel*>(QStringLiteral("deviceLabel"));
    QVERIFY(deviceLabel != nullptr);
    QCOMPARE(deviceLabel->text(), device);
  }

  void titleSizeAndPlot() {
    MainWindow window;
    QCOMPARE(window.windowTitle(), QStringLiteral("OneStep Studio"));
    QVERIFY(window.width() >= MainWindow::kDefaultSize.width());
    QVERIFY(window.height() >= MainWindow::kDefaultSize.height());
    auto* plot = window.findChild<QCustomPlot*>(QStringLiteral("lossPlot"));
    QVERIFY(plot != nullptr);
    QCOMPARE(plot->yAxis->label(), QStringLiteral("loss"));
    QVERIFY(!plot->legend->visible());  // no curves yet: no empty legend frame
  }

  // models/NAME.pt is the shipped teacher of toy:NAME (or of the data spec NAME); the teacher field follows the
  // data with it until the user picks another teacher; the Shipped menu lists them all.
  void shippedTeachersFollowTheData() {
    QTemporaryDir dir;
    for (const char* name : {"moons.pt", "fashion-mnist.pt", "not-a-dataset.pt", "README.md"}) {
      QFile f(dir.filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly));
    }
    qputenv("ONESTEP_MODELS_DIR", dir.path().toUtf8());
    const QVector<ShippedTeacher> all = shippedTeachers();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all[0].data, QStringLiteral("fashion-mnist"));
    QCOMPARE(all[1].data, QStringLiteral("toy:moons"));
    QCOMPARE(shippedTeacherFor(QStringLiteral("toy:moons?n=100")), dir.filePath("moons.pt"));
    QVERIFY(shippedTeacherFor(QStringLiteral("toy:rings")).isEmpty());
    {
      MainWindow window;
      auto* data = window.findChild<QComboBox*>(QStringLiteral("dataCombo"));
      auto* teacher = window.findChild<QLineEdit*>(QStringLiteral("teacherEdit"));
      // A known start, whatever setup an earlier test left in the settings.
      window.setSetup(QStringLiteral("toy:rings"), QStringLiteral("sid"), QString(), 100, 0, dir.filePath("run"));
      data->setCurrentText(QStringLiteral("toy:rings"));
      QVERIFY(teacher->text().isEmpty());
      data->setCurrentText(QStringLiteral("toy:moons"));
      QCOMPARE(teacher->text(), dir.filePath("moons.pt"));
      window.setSetup(QStringLiteral("toy:moons"), QStringLiteral("sid"), QString(), 100, 0, dir.filePath("run"));
      QCOMPARE(teacher->text(), dir.filePath("moons.pt"));  // a setup without a teacher gets the shipped one
      data->setCurrentText(QStringLiteral("toy:rings"));
      QVERIFY(teacher->text().isEmpty());
      teacher->setText(QStringLiteral("/my/teacher"));
      data->setCurrentText(QStringLiteral("toy:moons"));
      QCOMPARE(teacher->text(), QStringLiteral("/my/teacher"));  // the user's choice is kept
      auto* button = window.findChild<QToolButton*>(QStringLiteral("shippedTeacherButton"));
      QVERIFY(button != nullptr && button->isEnabled());
      QCOMPARE(button->menu()->actions().size(), 2);
      button->menu()->actions()[0]->trigger();
      QCOMPARE(data->currentText(), QStringLiteral("fashion-mnist"));
      QCOMPARE(teacher->text(), dir.filePath("fashion-mnist.pt"));
    }
    qunsetenv("ONESTEP_MODELS_DIR");
  }

  // Every control has its keyboard shortcut, and the keys reach it: Ctrl+E opens the export dialog.
  void shortcutsOfTheControls() {
    MainWindow window;
    const QList<QPair<const char*, QKeySequence>> expected = {
        {"quitAction", QKeySequence(Qt::CTRL | Qt::Key_Q)},   {"startAction", QKeySequence(Qt::CTRL | Qt::Key_R)},
        {"pauseAction", QKeySequence(Qt::Key_Space)},          {"stepAction", QKeySequence(Qt::Key_Period)},
        {"stopAction", QKeySequence(Qt::CTRL | Qt::Key_Period)}, {"checkpointAction", QKeySequence::Save},
        {"openAction", QKeySequence::Open},                    {"exportAction", QKeySequence(Qt::CTRL | Qt::Key_E)}};
    for (const auto& [name, keys] : expected) {
      auto* action = window.findChild<QAction*>(QLatin1String(name));
      QVERIFY2(action != nullptr, name);
      QCOMPARE(action->shortcut(), keys);
    }
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    QVERIFY(window.findChildren<ExportDialog*>().isEmpty());
    QTest::keyClick(&window, Qt::Key_E, Qt::ControlModifier);
    QTRY_VERIFY(!window.findChildren<ExportDialog*>().isEmpty() && window.findChildren<ExportDialog*>().first()->isVisible());
  }

  // The chosen setting's explanation and default are shown under the table, also once its value is edited.
  void settingHelpShowsExplanationAndDefault() {
    MainWindow window;
    window.setSetup(QStringLiteral("toy:moons"), QStringLiteral("sid"), QString(), 100, 0, QStringLiteral("/tmp/x"));
    auto* table = window.findChild<QTableWidget*>(QStringLiteral("settingsTable"));
    auto* help = window.findChild<QLabel*>(QStringLiteral("settingHelp"));
    QVERIFY(table && help);
    QVERIFY(window.setSettingValue(QStringLiteral("sid.alpha"), QStringLiteral("0.7")));
    for (int row = 0; row < table->rowCount(); ++row)
      if (table->item(row, 0)->text() == QLatin1String("sid.alpha")) table->setCurrentCell(row, 1);
    QVERIFY2(help->text().contains(QStringLiteral("sid.alpha")) && help->text().contains(QStringLiteral("default 1.2")),
             qPrintable(help->text()));
  }

  // The device list is what this LibTorch can use; device, view, splitter and plot toggles are remembered.
  void deviceAndLayoutAreRemembered() {
    {
      MainWindow window;
      auto* device = window.findChild<QComboBox*>(QStringLiteral("deviceCombo"));
      QVERIFY(device != nullptr);
      QCOMPARE(device->itemData(0).toString(), QStringLiteral("auto"));
      QCOMPARE(device->itemData(1).toString(), QStringLiteral("cpu"));
      if (!onestep::cudaAvailable()) QCOMPARE(device->count(), 2);
      device->setCurrentIndex(1);
      window.showView(QStringLiteral("latent"));
      window.findChild<QCheckBox*>(QStringLiteral("smoothCheck"))->setChecked(true);
      window.close();  // saves
    }
    {
      MainWindow window;
      QCOMPARE(window.findChild<QComboBox*>(QStringLiteral("deviceCombo"))->currentData().toString(), QStringLiteral("cpu"));
      QCOMPARE(window.findChild<QTabWidget*>(QStringLiteral("viewTabs"))->currentIndex(), 2);
      QVERIFY(window.findChild<QCheckBox*>(QStringLiteral("smoothCheck"))->isChecked());
      window.findChild<QComboBox*>(QStringLiteral("deviceCombo"))->setCurrentIndex(0);
      window.showView(QStringLiteral("training"));
      window.findChild<QCheckBox*>(QStringLiteral("smoothCheck"))->setChecked(false);
      window.close();
    }
  }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
