// Exporting what a model makes: N seeded samples as a PNG folder (seed, model and settings in each PNG's text
// chunks), a grid PNG, an NPZ (arr_0 uint8 NHWC, as the ADM evaluator reads it) and a timelapse of the run's
// snapshots. Synchronous and Qt-only on the outside: the export dialog runs it on a worker thread, tests call it
// directly. Outputs appear whole or not at all: a cancelled or failed export removes what it started.
#pragma once

#include <QString>
#include <QStringList>

#include <functional>

struct ExportRequest {
  QString model;        // run directory, checkpoint or TorchScript file
  int count = 64;       // samples
  quint64 seed = 0;     // the same seed as `onestep sample --seed`
  int steps = 0;        // generator steps (consistency models 1 or 2) or sampler steps (teachers); 0 = default
  int classLabel = -1;  // conditional models; -1 = random classes
  QString device = QStringLiteral("auto");
  QString pngFolder;  // one PNG per sample (empty = none); images only
  QString gridPng;    // a grid of the first 100 samples (a scatter plot for points)
  QString npz;        // all samples
  QString timelapse;  // *.gif or *.avi of the run's snapshots (a run directory only)
  double fps = 8.0;
};

struct ExportReport {
  QStringList written;  // every file or folder written, in order
  int nfe = 0;          // network evaluations per sample
  double seconds = 0;   // wall time
};

// progress(done, total, what): called as the work advances; shouldStop: polled often, true cancels.
// Throws std::exception (onestep::Error; onestep::Cancelled when stopped) with a readable message.
ExportReport runExport(const ExportRequest& request,
                       const std::function<void(qint64 done, qint64 total, const QString& what)>& progress = {},
                       const std::function<bool()>& shouldStop = {});
