#include "export_job.h"

#include <onestep/error.h>
#include <onestep/samples.h>
#include <onestep/sampling.h>
#include <onestep/timelapse.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

namespace {

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
      throw onestep::Error("export: '" + out.toStdString() +
                           "' exists already (choose a new name; nothing is overwritten)");
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
        // The engine's writer, as `onestep sample --out DIR`: DIR.partial renamed when complete, each PNG with the
        // samples' provenance in its text chunks.
        onestep::SampleWriteOptions write;
        write.text = onestep::sampleProvenance(r.model.toStdString(), options, result.nfe);
        write.shouldStop = shouldStop;
        write.progress = [&](int64_t done, int64_t total) {
          if (progress) progress(done, total, QObject::tr("writing PNGs"));
        };
        onestep::writeSamples(set, r.pngFolder.toStdString(), write);
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
