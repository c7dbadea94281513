// MainWindow shows what the engine reports about itself: version, device, threads.
#include <onestep/runtime.h>
#include <qcustomplot.h>

#include <QAction>
#include <QLabel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QtTest>

#include "main_window.h"

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
  }

  void quitHasCtrlQ() {
    MainWindow window;
    auto* quit = window.findChild<QAction*>(QStringLiteral("quitAction"));
    QVERIFY(quit != nullptr);
    QCOMPARE(quit->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Q));
  }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
