// The engine worker and its window, offscreen: signals during a short toy run, pause / single step / stop,
// settings changed mid-run, engine errors reaching the UI (also a run directory deleted under a running run), and a
// finished run reopened with its curves.
#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include "main_window.h"
#include "run_worker.h"

namespace {

RunRequest toyRun(const QString& dir, int steps) {
  RunRequest r;
  r.dir = dir;
  r.settings = {{"method", "teacher"}, {"data", "toy:moons"}, {"steps", QString::number(steps)},
                {"batch", "128"},      {"net.hidden", "32"},  {"snapshot_every", "0"},
                {"eval_every", "0"}};
  return r;
}

// A worker on its own thread, torn down stop → quit → wait.
struct WorkerThread {
  QThread thread;
  RunWorker* worker = new RunWorker;
  WorkerThread() {
    worker->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    thread.start();
  }
  ~WorkerThread() {
    worker->requestStop();
    worker->setPaused(false);
    thread.quit();
    thread.wait();
  }
  void start(const RunRequest& r) {
    QMetaObject::invokeMethod(
        worker, [w = worker, r] { w->start(r); }, Qt::QueuedConnection);
  }
};

}  // namespace

class TestRunWorker : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void shortRunEmitsProgressPreviewsAndFinished() {
    QTemporaryDir tmp;
    WorkerThread w;
    QSignalSpy started(w.worker, &RunWorker::started);
    QSignalSpy progress(w.worker, &RunWorker::progress);
    QSignalSpy previews(w.worker, &RunWorker::previewReady);
    QSignalSpy finished(w.worker, &RunWorker::finished);
    w.start(toyRun(tmp.filePath("run"), 40));
    QVERIFY(finished.wait(60000));
    QCOMPARE(started.count(), 1);
    QCOMPARE(progress.count(), 40);
    QCOMPARE(progress.last().at(0).toLongLong(), 40);
    const auto losses = progress.last().at(5).value<QMap<QString, double>>();
    QVERIFY(losses.contains("loss"));
    QVERIFY(previews.count() >= 2);  // the initial frame and the last one at least
    const QImage image = previews.last().at(1).value<QImage>();
    QVERIFY(!image.isNull() && image.width() >= 256);
    QCOMPARE(finished.first().at(0).toLongLong(), 40);
    QCOMPARE(finished.first().at(1).toBool(), false);
  }

  void pauseSingleStepSettingsAndStop() {
    QTemporaryDir tmp;
    WorkerThread w;
    QSignalSpy progress(w.worker, &RunWorker::progress);
    QSignalSpy applied(w.worker, &RunWorker::settingsApplied);
    QSignalSpy finished(w.worker, &RunWorker::finished);
    w.start(toyRun(tmp.filePath("run"), 1000000));
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 5, 30000);
    w.worker->setPaused(true);
    QTest::qWait(300);  // an iteration in flight may still report
    const int paused = progress.count();
    QTest::qWait(400);
    QCOMPARE(progress.count(), paused);  // nothing while paused
    w.worker->requestSettings({{"teacher.lr", "0.0005"}});
    w.worker->requestSingleStep();
    QTRY_COMPARE_WITH_TIMEOUT(progress.count(), paused + 1, 5000);
    QCOMPARE(applied.count(), 1);
    QTest::qWait(200);
    QCOMPARE(progress.count(), paused + 1);  // exactly one step

    QElapsedTimer timer;
    timer.start();
    w.worker->setPaused(false);
    w.worker->requestStop();
    QVERIFY(finished.wait(5000));
    QVERIFY2(timer.elapsed() < 1500, "stop took effect within about a second");
    QCOMPARE(finished.first().at(1).toBool(), true);
    QFile metrics(tmp.filePath("run/metrics.jsonl"));
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    QVERIFY(metrics.readAll().contains("\"set\":{\"teacher.lr\":\"0.0005\"}"));
    QVERIFY(QDir(tmp.filePath("run/checkpoints")).entryList({"*.pt"}).size() >= 1);  // stopped with a checkpoint
  }

  void engineErrorReachesTheWindow() {
    QTemporaryDir tmp;
    MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
    QString reported;
    window.setErrorReporter([&](const QString& m) { reported = m; });
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.setSetup("toy:nowhere", "teacher", "", 10, 0, tmp.filePath("run"));
    window.startRun();
    QVERIFY(finished.wait(20000));
    QVERIFY2(reported.contains("nowhere"), qPrintable(reported));
    QVERIFY(!window.isRunning());
    auto* label = window.findChild<QLabel*>("statusRunLabel");
    QVERIFY(label);
    QCOMPARE(label->text(), QString("not started (see the error)"));
    QVERIFY(!QFile::exists(tmp.filePath("run/config.json")));  // a bad spec writes nothing
    // A distillation without a teacher (and none shipped) is refused before anything starts.
    qputenv("ONESTEP_MODELS_DIR", tmp.filePath("no-models").toUtf8());
    reported.clear();
    window.setSetup("toy:moons", "sid", "", 10, 0, tmp.filePath("run2"));
    window.startRun();
    qunsetenv("ONESTEP_MODELS_DIR");
    QVERIFY2(reported.contains("teacher"), qPrintable(reported));
    QVERIFY(!window.isRunning());
  }

  // A run that ends on an error says so in the status bar, not "finished", and Start continues it with the
  // rows edited since.
  void failedRunSaysSoAndStartContinuesIt() {
    QTemporaryDir tmp;
    MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
    QStringList reported;
    window.setErrorReporter([&](const QString& m) { reported << m; });
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.setSetup("toy:8gaussians", "sid", "", 4, 0, tmp.filePath("run"));
    QVERIFY(window.setSettingValue("sid.lr_f", "1e30"));
    QVERIFY(window.setSettingValue("eval_every", "0"));
    window.startRun();
    QVERIFY(finished.wait(60000));
    QVERIFY2(!reported.isEmpty() && reported.last().contains("the iteration was undone"),
             qPrintable(reported.join(" | ")));
    auto* label = window.findChild<QLabel*>("statusRunLabel");
    QVERIFY(label);
    QVERIFY2(label->text().startsWith("failed at iteration 0 · edit the settings"), qPrintable(label->text()));
    QVERIFY(window.setSettingValue("sid.lr_f", "0"));
    window.startRun();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.last().at(0).toLongLong(), 4);
    QVERIFY2(label->text().startsWith("finished at iteration 4"), qPrintable(label->text()));
  }

  void finishedRunReopensWithItsCurves() {
    QTemporaryDir tmp;
    {
      WorkerThread w;
      QSignalSpy finished(w.worker, &RunWorker::finished);
      w.start(toyRun(tmp.filePath("run"), 30));
      QVERIFY(finished.wait(60000));
    }
    MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
    window.openRunDirectory(tmp.filePath("run"));
    auto* plot = window.findChild<QCustomPlot*>("lossPlot");
    QVERIFY(plot && plot->graphCount() >= 1);
    QCOMPARE(plot->graph(0)->dataCount(), 3);  // log_every 10 → iterations 10, 20, 30
    QTRY_VERIFY(plot->legend->visible());      // the legend appears with the first curve
    auto values = [&] {
      QVector<double> v;
      for (auto it = plot->graph(0)->data()->constBegin(); it != plot->graph(0)->data()->constEnd(); ++it)
        v << it->value;
      return v;
    };
    const QVector<double> raw = values();
    // Smoothing: an EMA of the same points; off again: the raw points.
    window.findChild<QCheckBox*>("smoothCheck")->setChecked(true);
    const QVector<double> smooth = values();
    QCOMPARE(smooth.size(), 3);
    QCOMPARE(smooth[0], raw[0]);
    QVERIFY(qAbs(smooth[1] - (0.9 * raw[0] + 0.1 * raw[1])) < 1e-12);
    QVERIFY(qAbs(smooth[2] - (0.9 * smooth[1] + 0.1 * raw[2])) < 1e-12);
    window.findChild<QCheckBox*>("smoothCheck")->setChecked(false);
    QCOMPARE(values(), raw);
    window.findChild<QCheckBox*>("logScaleCheck")->setChecked(true);
    QCOMPARE(plot->yAxis->scaleType(), QCPAxis::stLogarithmic);
    // Against wall time: the same points on a seconds axis, increasing.
    window.findChild<QCheckBox*>("wallClockCheck")->setChecked(true);
    QCOMPARE(plot->xAxis->label(), QStringLiteral("wall time (s)"));
    QCOMPARE(plot->graph(0)->dataCount(), 3);
    QVERIFY(plot->graph(0)->data()->at(2)->key > plot->graph(0)->data()->at(0)->key);
    QVERIFY(plot->graph(0)->data()->at(2)->key < 600);  // seconds, not iterations times anything
    window.findChild<QCheckBox*>("wallClockCheck")->setChecked(false);
    QCOMPARE(plot->graph(0)->data()->at(2)->key, 30.0);
    // An overlaid run adds its curves beside this one's; clearing removes them again.
    const int graphs = plot->graphCount();
    window.addOverlay(tmp.filePath("run"));
    QVERIFY(plot->graphCount() > graphs);
    window.clearOverlays();
    QCOMPARE(plot->graphCount(), graphs);
    // The settings table shows the run's own values (not the defaults), and the device it ran on.
    auto* table = window.findChild<QTableWidget*>("settingsTable");
    auto valueOf = [table](const QString& key) {
      for (int row = 0; row < table->rowCount(); ++row)
        if (table->item(row, 0)->text() == key) return table->item(row, 1)->text();
      return QString();
    };
    QCOMPARE(valueOf("batch"), QStringLiteral("128"));
    QCOMPARE(valueOf("net.hidden"), QStringLiteral("32"));
    QCOMPARE(window.findChild<QComboBox*>("deviceCombo")->currentData().toString(), QStringLiteral("auto"));
    // Start resumes it to a larger step count, with the rows edited since opening as overrides.
    QVERIFY(window.setSettingValue("teacher.lr", "0.0004"));
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.findChild<QSpinBox*>("stepsSpin")->setValue(40);
    window.startRun();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().at(0).toLongLong(), 40);
    QFile config(tmp.filePath("run/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(config.readAll()).object().value("teacher").toObject().value("lr").toDouble(),
             0.0004);
  }

  // While a run goes on: an edit the engine refuses goes back to the value in force (with the error shown),
  // and opening another run directory is refused rather than pulling the window away from the live run.
  void refusedEditRevertsAndOpenIsRefusedWhileRunning() {
    QTemporaryDir tmp;
    MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
    QStringList reported;
    window.setErrorReporter([&](const QString& m) { reported << m; });
    QSignalSpy progress(window.worker(), &RunWorker::progress);
    QSignalSpy rejected(window.worker(), &RunWorker::settingsRejected);
    window.setSetup("toy:moons", "teacher", "", 1000000, 0, tmp.filePath("run"));
    QVERIFY(window.setSettingValue("batch", "64"));  // a row changed from its default goes with the new run
    window.startRun();
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 3, 30000);
    {
      QFile config(tmp.filePath("run/config.json"));
      QVERIFY(config.open(QIODevice::ReadOnly));
      QCOMPARE(QJsonDocument::fromJson(config.readAll()).object().value("batch").toInt(), 64);
    }
    auto* table = window.findChild<QTableWidget*>("settingsTable");
    int lrRow = -1;
    for (int row = 0; row < table->rowCount(); ++row)
      if (table->item(row, 0)->text() == "teacher.lr") lrRow = row;
    QVERIFY(lrRow >= 0);
    const QString inForce = table->item(lrRow, 1)->text();
    QVERIFY(window.setSettingValue("teacher.lr", "-1"));
    QVERIFY(rejected.wait(10000));
    QCOMPARE(rejected.first().at(0).toStringList(), QStringList{"teacher.lr"});
    QTRY_COMPARE_WITH_TIMEOUT(table->item(lrRow, 1)->text(), inForce, 2000);
    QTRY_VERIFY_WITH_TIMEOUT(!reported.isEmpty(), 2000);
    QVERIFY2(reported.last().contains("teacher.lr"), qPrintable(reported.join(" | ")));
    window.openRunDirectory(tmp.filePath("elsewhere"));
    QVERIFY2(reported.last().contains("Stop the run"), qPrintable(reported.last()));
    QVERIFY(window.isRunning());
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.stopRun();
    QVERIFY(finished.wait(10000));
  }

  // The run directory deleted while the studio trains into it: the engine's error comes up in a dialog (the real
  // one, not a test reporter) naming the directory, the run ends as failed, and the window goes on: the dialog
  // closes and a new run starts and finishes.
  void runDirectoryDeletedUnderARunningStudio() {
    QTemporaryDir tmp;
    MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
    window.show();
    QSignalSpy progress(window.worker(), &RunWorker::progress);
    QSignalSpy finished(&window, &MainWindow::runFinished);
    window.setSetup("toy:moons", "teacher", "", 1000000, 0, tmp.filePath("run"));
    QVERIFY(window.setSettingValue("net.hidden", "32"));
    QVERIFY(window.setSettingValue("eval_every", "0"));
    window.startRun();
    QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 3, 30000);
    // As `rm -rf` would: a file the run writes between the listing and the last rmdir leaves the folder there.
    QTRY_VERIFY_WITH_TIMEOUT(QDir(tmp.filePath("run")).removeRecursively(), 10000);
    QVERIFY(finished.wait(60000));
    QVERIFY(!window.isRunning());
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox*>("errorDialog")) != nullptr);
    QVERIFY(box->isVisible());
    QVERIFY2(box->text().contains(tmp.filePath("run")), qPrintable(box->text()));
    QVERIFY2(!box->text().contains('\n') || box->text().count('\n') < 3, qPrintable(box->text()));
    auto* label = window.findChild<QLabel*>("statusRunLabel");
    QVERIFY(label);
    QVERIFY2(label->text().startsWith("failed at iteration"), qPrintable(label->text()));
    box->button(QMessageBox::Ok)->click();
    QTRY_VERIFY(window.findChild<QMessageBox*>("errorDialog") == nullptr);
    // The window is still usable: another run starts and finishes.
    window.setSetup("toy:moons", "teacher", "", 20, 0, tmp.filePath("run2"));
    QVERIFY(window.setSettingValue("net.hidden", "32"));
    window.startRun();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.last().at(0).toLongLong(), 20);
    QVERIFY2(label->text().startsWith("finished at iteration 20"), qPrintable(label->text()));
  }

  void closingDuringARunSavesACheckpoint() {
    QTemporaryDir tmp;
    QElapsedTimer timer;
    {
      MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
      QSignalSpy progress(window.worker(), &RunWorker::progress);
      window.setSetup("toy:moons", "teacher", "", 1000000, 0, tmp.filePath("run"));
      window.startRun();
      QTRY_VERIFY_WITH_TIMEOUT(progress.count() >= 20, 30000);
      window.close();
      timer.start();
    }  // the window goes away: stop → quit → wait
    QVERIFY2(timer.elapsed() < 3000, "the worker shut down promptly");
    const QStringList checkpoints = QDir(tmp.filePath("run/checkpoints")).entryList({"ckpt-*.pt"});
    QVERIFY(!checkpoints.isEmpty());
    QVERIFY2(checkpoints.first() != "ckpt-000000000.pt", qPrintable(checkpoints.first()));
  }
};

QTEST_MAIN(TestRunWorker)
#include "tst_run_worker.moc"
