// The studio's benchmark (--bench, which `onestep bench` runs): what the live window costs a training run, and how
// long the latent view takes from a slider's move to the new image. Prints one JSON line on stdout and exits.
#pragma once

#include <QObject>

#include <memory>

class MainWindow;

struct BenchOptions {
  bool quick = false;  // fewer iterations: a smoke run
};

// Starts the benchmark in the window. It measures, in order:
//  - latent_latency_ms (median, and its 95th percentile): the latent view on the shipped Fashion-MNIST generator,
//    from a move of its interpolation slider to the reply that paints the new image;
//  - for toy:8gaussians and fashion-mnist, a SiD run through the window (previews and curves streaming) and then
//    the same settings trained headless in this process: studio_overhead_<data> = studio it/s / headless it/s,
//    and studio_overhead, the smaller of the two; studio_gui_thread_share_<data> is the GUI thread's CPU time over
//    those iterations as a share of their wall time (what the window itself costs).
// Keep the returned object alive until the application's event loop ends. Errors exit 1 with a message.
std::unique_ptr<QObject> startBench(MainWindow& window, const BenchOptions& options);
