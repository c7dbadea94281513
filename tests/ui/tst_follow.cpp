// The studio following a run directory that another process writes (issue: watching a run from elsewhere): a CLI
// run trains while the window, offscreen, has its directory open; the curves gain points, the sample grid changes,
// the model views load the newest checkpoint, Start refuses to become a second writer, and the studio writes nothing.
#include <qcustomplot.h>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "compare_view.h"
#include "main_window.h"
#include "run_follower.h"
#include "sample_view.h"

namespace {

// Points of every graph of a plot.
int pointCount(QCustomPlot* plot) {
  int n = 0;
  for (int i = 0; i < plot->graphCount(); ++i) n += plot->graph(i)->dataCount();
  return n;
}

}  // namespace

class TestFollow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void followsARunAnotherProcessWrites() {
    const QString cli = qEnvironmentVariable("ONESTEP_CLI");
    QVERIFY2(QFileInfo(cli).isExecutable(), "ONESTEP_CLI names the onestep program");
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("run"));
    QProcess run;
    run.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    run.start(cli, {"train-teacher",
                    "--data",
                    "toy:moons",
                    "--out",
                    dir,
                    "--steps",
                    "100000",
                    "--threads",
                    "1",
                    "--quiet",
                    "--set",
                    "log_every=5",
                    "--set",
                    "snapshot_every=25",
                    "--set",
                    "checkpoint_every=50",
                    "--set",
                    "eval_every=0",
                    "--set",
                    "net.hidden=32",
                    "--batch",
                    "128"});
    QVERIFY(run.waitForStarted());
    // The run has a snapshot and a checkpoint before the window opens it.
    QTRY_VERIFY_WITH_TIMEOUT(!QDir(dir + "/checkpoints").entryList({"ckpt-*.pt"}).isEmpty(), 120000);
    const QDateTime configWritten = QFileInfo(dir + "/config.json").lastModified();

    MainWindow window(EngineInfo{"v", "t", "cpu", 2, false});
    QStringList errors;
    window.setErrorReporter([&](const QString& m) { errors << m; });
    window.show();
    window.openRunDirectory(dir);
    QVERIFY(window.follower()->isFollowing());
    auto* loss = window.findChild<QCustomPlot*>(QStringLiteral("lossPlot"));
    QVERIFY(loss);
    const int pointsAtOpen = pointCount(loss);
    const int framesAtOpen = window.sampleView()->frameCount();
    const QImage gridAtOpen = window.sampleView()->currentImage();
    QVERIFY(framesAtOpen >= 1);

    // As the CLI goes on: more points, newer snapshots shown (the grid changes), a newer checkpoint.
    QTRY_VERIFY_WITH_TIMEOUT(pointCount(loss) >= pointsAtOpen + 10, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(window.sampleView()->frameCount() > framesAtOpen, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(window.sampleView()->currentImage() != gridAtOpen, 30000);

    // The Compare view loads the run's newest checkpoint, and again when a newer one appears.
    window.showView(QStringLiteral("compare"));
    QCOMPARE(window.viewedModel(), dir);
    QSignalSpy checkpoints(window.follower(), &RunFollower::checkpointChanged);
    QTRY_VERIFY_WITH_TIMEOUT(checkpoints.count() >= 1, 120000);

    // Start would resume the run as a second writer: refused while the other process writes it.
    window.startRun();
    QVERIFY(!window.isRunning());
    QVERIFY(!errors.isEmpty());
    QVERIFY2(errors.last().contains(QStringLiteral("being written by another process")), qPrintable(errors.last()));

    run.terminate();  // SIGTERM: the CLI stops after its iteration and checkpoints
    QVERIFY(run.waitForFinished(60000));
    // The watching studio wrote nothing: config.json is the CLI's, from its start.
    QCOMPARE(QFileInfo(dir + "/config.json").lastModified(), configWritten);
    window.close();
  }
};

QTEST_MAIN(TestFollow)
#include "tst_follow.moc"
