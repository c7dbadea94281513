// The studio's soak (--soak MINUTES): a long SiD run on images through the window while the compare and latent views
// are used, watching what a long session would show going wrong: resident memory creeping up, the preview history
// growing without bound, the training rate falling. Prints the figures as one JSON line and exits 0 when they hold.
#pragma once

#include <QObject>
#include <QString>

#include <memory>

class MainWindow;

struct SoakOptions {
  double minutes = 30;                             // wall time of the run
  QString spec = QStringLiteral("fashion-mnist");  // data, distilled with SiD from its shipped teacher
};

// Starts the soak in the window. Every 10 s it records resident memory, the iteration and the preview history's
// length; every 30 s it turns to the next view (training, compare with a new comparison, latent with slider moves).
// After the first fifth of the time (the warm-up: models loaded, the history filling) it judges:
//  - rss_growth: resident memory at the end against the end of the warm-up (median of three samples each), < 5 %;
//  - preview_frames_max: the history's longest, within SampleView::kMaxFrames;
//  - rate_ratio: iterations per second over the last third of the time after warm-up against the first third,
//    >= 0.9 (the rate does not fall).
// Keep the returned object alive until the application's event loop ends. Errors exit 1 with a message.
std::unique_ptr<QObject> startSoak(MainWindow& window, const SoakOptions& options);
