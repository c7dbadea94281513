// MainWindow shows what the engine reports about itself: version, device, threads.
#include <onestep/runtime.h>
#include <qcustomplot.h>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "app_icon.h"
#include "dummy_method.h"
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

  // The icon built into the program stands in where no icon theme has the studio's (a build tree, a bare
  // desktop); a theme's icon, where there is one, comes first.
  void theIconIsThereWithoutATheme() {
    const QStringList themes = QIcon::themeSearchPaths();
    QIcon::setThemeSearchPaths({});
    const QIcon icon = applicationIcon(QStringLiteral("io.example.no-such-icon"));
    QVERIFY(!icon.isNull());
    const QImage image = icon.pixmap(48, 48).toImage();
    QCOMPARE(image.size(), QSize(48, 48));
    int opaque = 0;
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x) opaque += qAlpha(image.pixel(x, y)) > 0;
    QVERIFY2(opaque > 48 * 48 / 4, "the built-in icon is drawn, not blank");
    QIcon::setThemeSearchPaths(themes);
  }

  // Methods as data: a method registered in a test file is in the method combo (with the settings sections and
  // teacher field its descriptor names) and in the About box.
  void aRegisteredMethodIsInTheSetupAndAbout() {
    onestep::test::registerDummyMethod();
    MainWindow window;
    auto* method = window.findChild<QComboBox*>(QStringLiteral("methodCombo"));
    QVERIFY(method != nullptr);
    const int dummy = method->findData(QStringLiteral("dummy"));
    QVERIFY(dummy >= 0);
    QCOMPARE(method->itemText(dummy), QStringLiteral("Dummy — mean matching"));
    QCOMPARE(method->findData(QStringLiteral("sid")), 0);  // the default stays first
    method->setCurrentIndex(dummy);
    auto* teacher = window.findChild<QLineEdit*>(QStringLiteral("teacherEdit"));
    QVERIFY(teacher != nullptr);
    QVERIFY(!teacher->isEnabled());  // it needs no teacher
    auto* table = window.findChild<QTableWidget*>(QStringLiteral("settingsTable"));
    QVERIFY(table != nullptr);
    QStringList keys;
    for (int row = 0; row < table->rowCount(); ++row) keys.append(table->item(row, 0)->text());
    QVERIFY2(keys.contains(QStringLiteral("teacher.p_std")), qPrintable(keys.join(QLatin1Char(' '))));
    QVERIFY(!keys.contains(QStringLiteral("sid.alpha")));
    method->setCurrentIndex(method->findData(QStringLiteral("sct")));
    QVERIFY(teacher->isEnabled());
    keys.clear();
    for (int row = 0; row < table->rowCount(); ++row) keys.append(table->item(row, 0)->text());
    QVERIFY(keys.contains(QStringLiteral("ct.t_mid")) && keys.contains(QStringLiteral("sct.ref_batch")));
    QVERIFY(!keys.contains(QStringLiteral("teacher.p_std")));
    const QString about = window.aboutText();
    QVERIFY2(about.contains(QStringLiteral("Dummy — mean matching (the test suite)")), qPrintable(about));
    QVERIFY(about.contains(QStringLiteral("ECT — Easy Consistency Tuning")));
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

  // The shipped models are the engine's list (models.json): the teacher field follows the data with the shipped
  // teacher until the user picks another; the views show the shipped generator of the data and method while no run
  // is open; the Shipped menu lists teachers and generators.
  void shippedModelsFollowTheSetup() {
    QTemporaryDir dir;
    for (const char* name : {"moons.pt", "fashion-mnist.pt", "moons-sid.pt", "README.md"}) {
      QFile f(dir.filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QFile list(dir.filePath("models.json"));
    QVERIFY(list.open(QIODevice::WriteOnly));
    const char* row = R"({"name": "%1", "file": "%1.pt", "kind": "%2", "method": "%3", "data": "%4", "nfe": %5,
                          "metric": "%6", "value": 1.5, "eval_n": 1000, "command": "make it"})";
    const QStringList rows = {
        QString::fromLatin1(row).arg("moons", "teacher", "teacher", "toy:moons", "35", "energy"),
        QString::fromLatin1(row).arg("fashion-mnist", "teacher", "teacher", "fashion-mnist", "35", "fid"),
        QString::fromLatin1(row).arg("moons-sid", "generator", "sid", "toy:moons", "1", "energy"),
        QString::fromLatin1(row).arg("rings-sid", "generator", "sid", "toy:rings", "1", "energy")};  // no file
    list.write(("{\"models\": [" + rows.join(QStringLiteral(",")) + "]}").toUtf8());
    list.close();
    qputenv("ONESTEP_MODELS_DIR", dir.path().toUtf8());
    const QVector<ShippedEntry> all = shippedModels();
    QCOMPARE(all.size(), 3);  // a listed file that is not there is not offered
    QCOMPARE(all[0].name, QStringLiteral("moons"));
    QCOMPARE(all[2].kind, QStringLiteral("generator"));
    QCOMPARE(all[1].figure, QStringLiteral("FID 1.50 at 35 NFE"));
    QCOMPARE(shippedTeacherFor(QStringLiteral("toy:moons?n=100")), dir.filePath("moons.pt"));
    QVERIFY(shippedTeacherFor(QStringLiteral("toy:rings")).isEmpty());
    QCOMPARE(shippedGeneratorFor(QStringLiteral("toy:moons"), QStringLiteral("sid")), dir.filePath("moons-sid.pt"));
    QVERIFY(shippedGeneratorFor(QStringLiteral("toy:moons"), QStringLiteral("ect")).isEmpty());
    {
      MainWindow window;
      auto* data = window.findChild<QComboBox*>(QStringLiteral("dataCombo"));
      auto* method = window.findChild<QComboBox*>(QStringLiteral("methodCombo"));
      auto* teacher = window.findChild<QLineEdit*>(QStringLiteral("teacherEdit"));
      // A known start, whatever setup an earlier test left in the settings.
      window.setSetup(QStringLiteral("toy:rings"), QStringLiteral("sid"), QString(), 100, 0, dir.filePath("run"));
      data->setCurrentText(QStringLiteral("toy:rings"));
      QVERIFY(teacher->text().isEmpty());
      QVERIFY(window.viewedModel().isEmpty());
      data->setCurrentText(QStringLiteral("toy:moons"));
      QCOMPARE(teacher->text(), dir.filePath("moons.pt"));
      QCOMPARE(window.viewedModel(), dir.filePath("moons-sid.pt"));  // the shipped generator of moons and SiD
      auto* table = window.findChild<QTableWidget*>(QStringLiteral("settingsTable"));
      auto setting = [table](const QString& key) {
        for (int row = 0; row < table->rowCount(); ++row)
          if (table->item(row, 0)->text() == key) return table->item(row, 1)->text();
        return QStringLiteral("(no row)");
      };
      QCOMPARE(setting(QStringLiteral("sid.init")), QStringLiteral("moons-sid"));  // Start continues it
      data->setCurrentText(QStringLiteral("toy:rings"));
      QCOMPARE(setting(QStringLiteral("sid.init")), QString());  // none shipped: from the teacher
      data->setCurrentText(QStringLiteral("toy:moons"));
      method->setCurrentIndex(method->findData(QStringLiteral("ect")));
      QVERIFY(window.viewedModel().isEmpty());  // none shipped for ECT
      method->setCurrentIndex(method->findData(QStringLiteral("teacher")));
      QCOMPARE(window.viewedModel(), dir.filePath("moons.pt"));  // a teacher setup shows the teacher
      window.setSetup(QStringLiteral("toy:moons"), QStringLiteral("sid"), QString(), 100, 0, dir.filePath("run"));
      QCOMPARE(teacher->text(), dir.filePath("moons.pt"));  // a setup without a teacher gets the shipped one
      data->setCurrentText(QStringLiteral("toy:rings"));
      QVERIFY(teacher->text().isEmpty());
      teacher->setText(QStringLiteral("/my/teacher"));
      data->setCurrentText(QStringLiteral("toy:moons"));
      QCOMPARE(teacher->text(), QStringLiteral("/my/teacher"));  // the user's choice is kept
      auto* button = window.findChild<QToolButton*>(QStringLiteral("shippedTeacherButton"));
      QVERIFY(button != nullptr && button->isEnabled());
      QList<QAction*> models;
      for (QAction* a : button->menu()->actions())
        if (!a->isSeparator()) models.append(a);
      QCOMPARE(models.size(), 3);
      QVERIFY(models[2]->text().startsWith(QStringLiteral("moons-sid")));
      models[1]->trigger();  // a teacher: data and teacher
      QCOMPARE(data->currentText(), QStringLiteral("fashion-mnist"));
      QCOMPARE(teacher->text(), dir.filePath("fashion-mnist.pt"));
      method->setCurrentIndex(method->findData(QStringLiteral("smm")));
      models[2]->trigger();  // a generator: its setup, and the views show it
      QCOMPARE(data->currentText(), QStringLiteral("toy:moons"));
      QCOMPARE(method->currentData().toString(), QStringLiteral("sid"));
      QCOMPARE(window.viewedModel(), dir.filePath("moons-sid.pt"));
    }
    qunsetenv("ONESTEP_MODELS_DIR");
  }

  // Automatic settings show what they come to on the chosen data, and are still given to the engine as automatic.
  void automaticSettingsShowTheirValue() {
    MainWindow window;
    window.setSetup(QStringLiteral("fashion-mnist"), QStringLiteral("sid"), QString(), 100, 0, QStringLiteral("run"));
    auto* table = window.findChild<QTableWidget*>(QStringLiteral("settingsTable"));
    auto text = [table](const QString& key) {
      for (int row = 0; row < table->rowCount(); ++row)
        if (table->item(row, 0)->text() == key) return table->item(row, 1)->text();
      return QString();
    };
    QCOMPARE(text(QStringLiteral("batch")), QStringLiteral("auto (64)"));
    QCOMPARE(text(QStringLiteral("sid.lr_g")), QStringLiteral("auto (0.0001)"));
    QCOMPARE(text(QStringLiteral("sid.alpha")), QStringLiteral("1.2"));  // not automatic: as it is
    window.setSetup(QStringLiteral("toy:moons"), QStringLiteral("sid"), QString(), 100, 0, QStringLiteral("run"));
    QCOMPARE(text(QStringLiteral("batch")), QStringLiteral("auto (512)"));
  }

  // Every control has its keyboard shortcut, and the keys reach it: Ctrl+E opens the export dialog.
  void shortcutsOfTheControls() {
    MainWindow window;
    const QList<QPair<const char*, QKeySequence>> expected = {{"quitAction", QKeySequence(Qt::CTRL | Qt::Key_Q)},
                                                              {"startAction", QKeySequence(Qt::CTRL | Qt::Key_R)},
                                                              {"pauseAction", QKeySequence(Qt::Key_Space)},
                                                              {"stepAction", QKeySequence(Qt::Key_Period)},
                                                              {"stopAction", QKeySequence(Qt::CTRL | Qt::Key_Period)},
                                                              {"checkpointAction", QKeySequence::Save},
                                                              {"openAction", QKeySequence::Open},
                                                              {"exportAction", QKeySequence(Qt::CTRL | Qt::Key_E)}};
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
    QTRY_VERIFY(!window.findChildren<ExportDialog*>().isEmpty() &&
                window.findChildren<ExportDialog*>().first()->isVisible());
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
      QCOMPARE(window.findChild<QComboBox*>(QStringLiteral("deviceCombo"))->currentData().toString(),
               QStringLiteral("cpu"));
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
