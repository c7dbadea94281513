// The model views and the export, offscreen, on a tiny toy teacher and a SiD run distilled from it: export
// writes what it says (and nothing when cancelled); the model worker answers only a channel's latest request
// (stale ones are dropped); the compare, latent and 2-D views draw from the run.
#include <onestep/config.h>
#include <onestep/error.h>
#include <onestep/run.h>
#include <onestep/samples.h>
#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include "compare_view.h"
#include "export_dialog.h"
#include "export_job.h"
#include "field_view.h"
#include "latent_view.h"
#include "model_worker.h"

namespace {

// Trains a run in-process (tiny networks), leaving snapshots and a checkpoint.
void trainRun(const QString& dir, const std::vector<std::pair<std::string, std::string>>& settings) {
  onestep::RunConfig config;
  for (const auto& [k, v] : settings) onestep::applySetting(config, k, v);
  auto run = onestep::Run::create(dir.toStdString(), config);
  onestep::train(*run);
}

struct ModelThread {
  QThread thread;
  ModelWorker* worker = new ModelWorker;
  ModelThread() {
    worker->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    thread.start();
  }
  ~ModelThread() {
    thread.quit();
    thread.wait();
  }
};

}  // namespace

class TestViews : public QObject {
  Q_OBJECT

  QTemporaryDir m_tmp;
  QString m_teacher, m_sid, m_images;

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_tmp.isValid());
    m_teacher = m_tmp.filePath("teacher");
    m_sid = m_tmp.filePath("sid");
    trainRun(m_teacher, {{"method", "teacher"},
                         {"data", "toy:8gaussians"},
                         {"steps", "200"},
                         {"batch", "256"},
                         {"net.hidden", "64"},
                         {"snapshot_every", "0"},
                         {"eval_every", "0"}});
    trainRun(m_sid, {{"method", "sid"},
                     {"teacher_model", m_teacher.toStdString()},
                     {"data", "toy:8gaussians"},
                     {"steps", "30"},
                     {"batch", "128"},
                     {"snapshot_every", "10"},
                     {"eval_every", "0"}});
    // A tiny image teacher for the PNG folder export (untrained: the export does not judge quality).
    m_images = m_tmp.filePath("images");
    trainRun(m_images, {{"method", "teacher"},
                        {"data", "fashion-mnist"},
                        {"steps", "1"},
                        {"batch", "8"},
                        {"net.channels", "8"},
                        {"snapshot_every", "1"},
                        {"eval_every", "0"}});
  }

  void exportWritesWhatItSays() {
    ExportRequest r;
    r.model = m_images;
    r.count = 10;
    r.seed = 3;
    r.steps = 2;
    const QString base = m_tmp.filePath("out/img");
    QDir().mkpath(m_tmp.filePath("out"));
    r.pngFolder = base;
    r.gridPng = base + "-grid.png";
    r.npz = base + ".npz";
    r.timelapse = base + "-timelapse.gif";
    qint64 lastDone = 0;
    const ExportReport report = runExport(r, [&](qint64 done, qint64, const QString&) { lastDone = done; });
    QCOMPARE(report.written.size(), 4);
    QVERIFY(lastDone > 0);
    // One PNG per sample, with the seed, the model and the settings in its text chunks.
    const QStringList pngs = QDir(base).entryList({"*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(pngs.size(), 10);
    QImageReader reader(QDir(base).filePath("000007.png"));
    QCOMPARE(reader.text("Seed"), QString("3"));  // text chunks are read with the header, before the pixels
    QCOMPARE(reader.text("Index"), QString("7"));
    QVERIFY(!reader.text("Steps").isEmpty());
    QCOMPARE(reader.text("Model"), m_images);
    QVERIFY(reader.text("Settings").contains("fashion-mnist"));
    const QImage first = reader.read();
    QCOMPARE(first.size(), QSize(28, 28));
    // The NPZ holds the same samples (uint8 NHWC); sample 7 equals its PNG.
    const onestep::SampleSet set = onestep::readSamplesNpz(r.npz.toStdString());
    QCOMPARE(set.shape, (std::vector<int64_t>{10, 28, 28, 1}));
    const QImage grey = first.convertToFormat(QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) QCOMPARE(int(grey.pixelColor(x, y).red()), int(set.pixels[(7 * 28 + y) * 28 + x]));
    QVERIFY(!QImage(r.gridPng).isNull());
    // The timelapse has one frame per snapshot.
    QImageReader gif(r.timelapse);
    QVERIFY(gif.canRead());
    QCOMPARE(gif.imageCount(), QDir(m_images + "/snapshots").entryList({"iter-*.png"}).size());
    // Existing outputs are never overwritten.
    QVERIFY_THROWS_EXCEPTION(onestep::Error, runExport(r));
  }

  void cancelledExportLeavesNothing() {
    ExportRequest r;
    r.model = m_images;
    r.count = 40;
    const QString base = m_tmp.filePath("cancel/img");
    QDir().mkpath(m_tmp.filePath("cancel"));
    r.pngFolder = base;
    r.npz = base + ".npz";
    int polls = 0;
    QVERIFY_THROWS_EXCEPTION(onestep::Cancelled, runExport(r, {}, [&] { return ++polls > 3; }));
    QVERIFY(QDir(m_tmp.filePath("cancel")).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
  }

  // The dialog runs the export on its own thread: the window stays responsive, the fields are locked while it
  // runs, the progress bar ends full, and a refusal or a cancel comes back as exportFinished(false, why).
  void exportDialogExportsOnItsThreadAndCancels() {
    ExportDialog dialog(m_images);
    const QString folder = m_tmp.filePath("dialog");
    dialog.setOutput(folder, "set");
    dialog.findChild<QSpinBox*>("exportCount")->setValue(12);
    dialog.findChild<QCheckBox*>("exportPng")->setChecked(false);
    dialog.findChild<QCheckBox*>("exportTimelapse")->setChecked(false);
    auto* exportButton = dialog.findChild<QPushButton*>("exportButton");
    QSignalSpy finished(&dialog, &ExportDialog::exportFinished);
    QTest::mouseClick(exportButton, Qt::LeftButton);
    QVERIFY(dialog.isExporting());
    QVERIFY(!exportButton->isEnabled());
    QVERIFY(!dialog.findChild<QSpinBox*>("exportCount")->isEnabled());
    QVERIFY(finished.wait(120000));
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QVERIFY(!dialog.isExporting());
    QVERIFY(exportButton->isEnabled());
    auto* progress = dialog.findChild<QProgressBar*>("exportProgress");
    QCOMPARE(progress->value(), progress->maximum());
    QCOMPARE(onestep::readSamplesNpz((folder + "/set.npz").toStdString()).shape[0], int64_t(12));
    QVERIFY(!QImage(folder + "/set-grid.png").isNull());
    QVERIFY(!QFileInfo::exists(folder + "/set"));  // the PNG folder was not asked for
    // The same outputs again: refused, nothing touched.
    const QDateTime written = QFileInfo(folder + "/set.npz").lastModified();
    QTest::mouseClick(exportButton, Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(1).at(0).toBool(), false);
    QVERIFY(finished.at(1).at(1).toString().contains("exists already"));
    QCOMPARE(QFileInfo(folder + "/set.npz").lastModified(), written);
    // A long export cancelled with the button stops and leaves nothing behind.
    dialog.setOutput(folder, "big");
    dialog.findChild<QCheckBox*>("exportPng")->setChecked(true);
    dialog.findChild<QSpinBox*>("exportCount")->setValue(50000);
    QTest::mouseClick(exportButton, Qt::LeftButton);
    QVERIFY(dialog.isExporting());
    QTest::mouseClick(dialog.findChild<QPushButton*>("cancelExportButton"), Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(2).at(0).toBool(), false);
    QCOMPARE(QDir(folder).entryList({"big*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    QCOMPARE(QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).size(), 2);
  }

  void staleRequestsAreDropped() {
    ModelThread t;
    QSignalSpy replies(t.worker, &ModelWorker::replied);
    // Many requests on one channel at once: the waiting ones are replaced, only the latest is current.
    quint64 last = 0;
    for (int i = 0; i < 20; ++i) {
      ModelRequest r;
      r.channel = "test";
      r.model = m_teacher;
      r.n = 200;
      r.seed = static_cast<quint64>(i);
      last = t.worker->post(r);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!replies.isEmpty() && replies.last().at(0).value<ModelReply>().id == last, 30000);
    QTest::qWait(200);
    QVERIFY(replies.size() < 20);  // the superseded ones were never answered
    int current = 0;
    for (const auto& args : replies) current += t.worker->isLatest(args.at(0).value<ModelReply>()) ? 1 : 0;
    QCOMPARE(current, 1);
    const ModelReply reply = replies.last().at(0).value<ModelReply>();
    QVERIFY2(reply.ok, qPrintable(reply.error));
    QCOMPARE(reply.outputs.size(), 400);
    QCOMPARE(reply.nfe, 35);
  }

  void errorsComeBackAsReplies() {
    ModelThread t;
    QSignalSpy replies(t.worker, &ModelWorker::replied);
    ModelRequest r;
    r.channel = "err";
    r.model = m_tmp.filePath("missing");
    t.worker->post(r);
    QTRY_VERIFY_WITH_TIMEOUT(!replies.isEmpty(), 10000);  // the spy records on the worker thread
    const ModelReply reply = replies.last().at(0).value<ModelReply>();
    QVERIFY(!reply.ok);
    QVERIFY2(reply.error.contains("missing"), qPrintable(reply.error));
    // A view passes the error on (the window shows it in a dialog).
    CompareView compare(t.worker);
    QSignalSpy failed(&compare, &CompareView::failed);
    compare.setModel(m_tmp.filePath("missing"));
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
    QVERIFY2(failed.first().at(0).toString().contains("missing"), qPrintable(failed.first().at(0).toString()));
    // After shutdown (the window closing) nothing more is taken or answered.
    const int answered = replies.size();
    t.worker->shutdown();
    r.model = m_teacher;
    QCOMPARE(t.worker->post(r), quint64(0));
    QTest::qWait(300);
    QCOMPARE(replies.size(), answered);
  }

  void compareLatentAndFieldViewsDraw() {
    ModelThread t;
    CompareView compare(t.worker);
    compare.resize(1000, 700);
    QSignalSpy compared(&compare, &CompareView::updated);
    compare.setModel(m_sid);
    // info, teacher and generator replies
    QTRY_VERIFY_WITH_TIMEOUT(compared.size() >= 3, 30000);
    QCOMPARE(compare.teacher(), m_teacher);
    QVERIFY(!compare.findChild<QLabel*>("compareTeacher")->pixmap().isNull());
    QVERIFY(!compare.findChild<QLabel*>("compareGenerator")->pixmap().isNull());
    QVERIFY(compare.findChild<QLabel*>("compareGeneratorCaption")->text().contains("1 NFE"));
    // The FID-vs-NFE chart follows the chosen sampler.
    auto* sampler = compare.findChild<QComboBox*>("compareSampler");
    sampler->setCurrentIndex(sampler->findData("euler"));
    QSignalSpy charted(&compare, &CompareView::chartShown);
    compare.computeChart();
    QVERIFY(charted.wait(60000));
    auto* chart = compare.findChild<QCustomPlot*>("nfeChart");
    QVERIFY(chart->graphCount() >= 2);
    QCOMPARE(chart->graph(0)->name(), QStringLiteral("teacher (Euler)"));
    QCOMPARE(chart->graph(0)->dataCount(), 6);
    QCOMPARE(chart->graph(1)->dataCount(), 1);  // the generator's point

    LatentView latent(t.worker);
    latent.resize(900, 600);
    QSignalSpy drawn(&latent, &LatentView::updated);
    latent.setModel(m_sid);
    QTRY_VERIFY_WITH_TIMEOUT(drawn.size() >= 1, 30000);
    const QVector<float> z0 = latent.latent();
    QCOMPARE(z0.size(), 2);
    // Dragging: many slider values; the image follows the last one.
    for (int v = 0; v <= 1000; v += 50) latent.interpolationSlider()->setValue(v);
    QTRY_VERIFY_WITH_TIMEOUT(drawn.size() >= 2, 30000);
    QVERIFY(latent.repliesShown() <= latent.requestsPosted());
    QVERIFY(latent.latent() != z0);
    // Save and load round trip; a wrong file is refused with a message.
    QString error;
    const QString saved = m_tmp.filePath("z.json");
    QVERIFY2(latent.saveLatent(saved, &error), qPrintable(error));
    const QVector<float> before = latent.latent();
    latent.interpolationSlider()->setValue(0);
    QVERIFY2(latent.loadLatent(saved, &error), qPrintable(error));
    QCOMPARE(latent.latent(), before);  // the loaded latent, not seed A
    latent.interpolationSlider()->setValue(500);
    QVERIFY(latent.latent() != before);  // the slider leaves the loaded latent for the seeds' path
    QFile bad(m_tmp.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{}");
    bad.close();
    QVERIFY(!latent.loadLatent(bad.fileName(), &error));
    QVERIFY(error.contains("not a saved latent"));

    FieldView field(t.worker);
    field.resize(900, 700);
    field.setModel(m_sid, "toy:8gaussians");
    for (const char* layer : {"data", "teacher", "generator", "teacherField", "fakeField", "map"})
      QTRY_VERIFY2_WITH_TIMEOUT(field.canvas()->hasLayer(layer), layer, 30000);
  }
};

QTEST_MAIN(TestViews)
#include "tst_views.moc"
