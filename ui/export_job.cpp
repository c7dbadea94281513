#include "export_job.h"

#include <onestep/error.h>
#include <onestep/sampling.h>
#include <onestep/samples.h>
#include <onestep/timelapse.h>

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QImageWriter>

namespace {

// The run's config.json in one line, for the PNG text chunk (empty for a file).
QString runSettings(const QString& model) {
  QFile f(model + QStringLiteral("/config.json"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(f.readAll()).simplified();
}

QImage sampleImage(const onestep::SampleSet& s, int64_t i) {
  const int h = static_cast<int>(s.shape[1]), w = static_cast<int>(s.shape[2]), c = static_cast<int>(s.shape[3]);
  const uchar* px = s.pixels.data() + i * h * w * c;
  QImage image(w, h, c == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  for (int y = 0; y < h; ++y) {
    uchar* line = image.scanLine(y);
    for (int x = 0; x < w * c; ++x) line[x] = px[y * w * c + x];  // c is 1 or 3: rows are packed the same
  }
  return image;
}

void removeAll(const QString& path) {
  QFileInfo info(path);
  if (info.isDir())
    QDir(path).removeRecursively();
  else if (info.exists())
    QFile::remove(path);
}

}  // namespace

ExportReport runExport(const ExportRequest& r, const std::function<void(qint64, qint64, const QString&)>& progress,
                       const std::function<bool()>& shouldStop) {
  if (r.count <= 0) throw onestep::Error("export: the number of samples must be >= 1");
  const bool wantSamples = !r.pngFolder.isEmpty() || !r.gridPng.isEmpty() || !r.npz.isEmpty();
  if (!wantSamples && r.timelapse.isEmpty()) throw onestep::Error("export: choose at least one output");
  for (const QString& out : {r.pngFolder, r.gridPng, r.npz, r.timelapse})
    if (!out.isEmpty() && QFileInfo::exists(out))
      throw onestep::Error("export: '" + out.toStdString() + "' exists already (choose a new name; nothing is overwritten)");
  if (!r.gridPng.isEmpty() && !r.gridPng.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
    throw onestep::Error("export: the grid file '" + r.gridPng.toStdString() + "' must end in .png");
  if (!r.npz.isEmpty() && !r.npz.endsWith(QLatin1String(".npz"), Qt::CaseInsensitive))
    throw onestep::Error("export: the NPZ file '" + r.npz.toStdString() + "' must end in .npz");

  ExportReport report;
  QElapsedTimer clock;
  clock.start();
  QStringList started;  // removed again if the export does not finish
  try {
    if (wantSamples) {
      onestep::SampleOptions options;
      options.n = r.count;
      options.seed = r.seed;
      options.steps = r.steps;
      options.classLabel = r.classLabel;
      options.device = r.device.toStdString();
      options.batch = 64;
      options.shouldStop = shouldStop;
      auto result = onestep::sampleModel(r.model.toStdString(), options, [&](int64_t done, int64_t total) {
        if (progress) progress(done, total, QObject::tr("sampling"));
      });
      report.nfe = result.nfe;
      const onestep::SampleSet& set = result.samples;
      if (!r.npz.isEmpty()) {
        started << r.npz;
        onestep::writeSamples(set, r.npz.toStdString());  // atomic
        report.written << r.npz;
      }
      if (!r.gridPng.isEmpty()) {
        onestep::SampleSet grid = set;  // a scatter plot shows every point; an image grid the first 100
        if (set.kind == onestep::SampleSet::Kind::Images && set.count() > 100) {
          grid.shape[0] = 100;
          grid.pixels.resize(static_cast<size_t>(100 * set.shape[1] * set.shape[2] * set.shape[3]));
          if (!grid.labels.empty()) grid.labels.resize(100);
        }
        started << r.gridPng;
        onestep::writeSamples(grid, r.gridPng.toStdString());
        report.written << r.gridPng;
      }
      if (!r.pngFolder.isEmpty()) {
        if (set.kind == onestep::SampleSet::Kind::Points)
          throw onestep::Error("export: a PNG folder needs an image model; 2-D points go to the grid PNG or the NPZ");
        // Into a hidden sibling first, renamed when complete: a folder that exists is a whole export.
        const QString temp = QFileInfo(r.pngFolder).absolutePath() + QStringLiteral("/.") +
                             QFileInfo(r.pngFolder).fileName() + QStringLiteral(".partial");
        removeAll(temp);
        started << temp;
        if (!QDir().mkpath(temp)) throw onestep::Error("export: cannot create '" + temp.toStdString() + "'");
        const QString settings = runSettings(r.model);
        const QString when = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
        for (int64_t i = 0; i < set.count(); ++i) {
          if (shouldStop && shouldStop()) throw onestep::Cancelled("export cancelled");
          const QString file = QStringLiteral("%1/%2.png").arg(temp).arg(i, 6, 10, QLatin1Char('0'));
          QImageWriter writer(file, "png");
          writer.setText(QStringLiteral("Software"), QStringLiteral("OneStep Studio"));
          writer.setText(QStringLiteral("Model"), r.model);
          writer.setText(QStringLiteral("Seed"), QString::number(r.seed));
          writer.setText(QStringLiteral("Index"), QString::number(i));
          writer.setText(QStringLiteral("NFE"), QString::number(result.nfe));
          writer.setText(QStringLiteral("Steps"), r.steps > 0 ? QString::number(r.steps) : QStringLiteral("default"));
          if (!set.labels.empty()) writer.setText(QStringLiteral("Class"), QString::number(set.labels[static_cast<size_t>(i)]));
          writer.setText(QStringLiteral("Created"), when);
          if (!settings.isEmpty()) writer.setText(QStringLiteral("Settings"), settings);
          if (!writer.write(sampleImage(set, i)))
            throw onestep::Error("export: cannot write '" + file.toStdString() + "': " + writer.errorString().toStdString());
          if (progress && (i % 16 == 15 || i + 1 == set.count())) progress(i + 1, set.count(), QObject::tr("writing PNGs"));
        }
        if (!QDir().rename(temp, r.pngFolder))
          throw onestep::Error("export: cannot rename '" + temp.toStdString() + "' to '" + r.pngFolder.toStdString() + "'");
        started.removeAll(temp);
        started << r.pngFolder;
        report.written << r.pngFolder;
      }
    }
    if (!r.timelapse.isEmpty()) {
      onestep::TimelapseOptions options;
      options.fps = r.fps;
      options.shouldStop = shouldStop;
      options.progress = [&](int64_t done, int64_t total) {
        if (progress) progress(done, total, QObject::tr("timelapse"));
      };
      onestep::writeTimelapse(onestep::runSnapshots(r.model.toStdString()), r.timelapse.toStdString(), options);
      report.written << r.timelapse;
    }
  } catch (...) {
    for (const QString& path : started) removeAll(path);
    throw;
  }
  report.seconds = clock.elapsed() / 1000.0;
  return report;
}
