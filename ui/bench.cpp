// The studio's benchmark (bench.h): the latent view's latency, then each case trained through the window and
// headless with the same settings, in alternating pairs (three in the full run) whose median ratio is the figure:
// one pair on images varied by ±10 % between runs.
#include "bench.h"

#include <onestep/error.h>
#include <onestep/run.h>

#include <sys/resource.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSlider>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "latent_view.h"
#include "main_window.h"
#include "model_worker.h"
#include "run_worker.h"
#include "scripted.h"
#include "shipped.h"

namespace {

// CPU time of the calling thread.
double threadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

struct BenchCase {
  QString spec, key;
  int steps = 0, warmup = 0;  // timed from iteration `warmup` to `steps`
};

class Bench : public QObject {
 public:
  Bench(MainWindow& window, const BenchOptions& options)
      : m_window(window), m_quick(options.quick), m_pairs(options.quick ? 1 : 3) {
    m_cases = {{QStringLiteral("toy:8gaussians"), QStringLiteral("toy8"), m_quick ? 60 : 1500, m_quick ? 20 : 100},
               {QStringLiteral("fashion-mnist"), QStringLiteral("fashion_mnist"), m_quick ? 4 : 40, 2}};
    m_window.setErrorReporter([](const QString& message) {
      printScriptError(message);
      QApplication::exit(1);
    });
    connect(&m_window, &MainWindow::requestStart, this, [this](const RunRequest& r) { m_request = r; });
    connect(m_window.worker(), &RunWorker::progress, this,
            [this](qint64 iteration, qint64, double, double, qint64, const QMap<QString, double>&) {
              if (iteration == m_cases[m_case].warmup) {
                m_clock.start();
                m_guiCpu = threadCpuSeconds();
                m_previewSeconds = m_window.worker()->previewSeconds();
              }
              if (iteration == m_cases[m_case].steps) {
                m_studioSeconds = static_cast<double>(m_clock.nsecsElapsed()) * 1e-9;
                m_guiCpu = threadCpuSeconds() - m_guiCpu;
                m_previewSeconds = m_window.worker()->previewSeconds() - m_previewSeconds;
              }
            });
    connect(&m_window, &MainWindow::runFinished, this,
            [this](qint64, bool) { QTimer::singleShot(0, this, [this] { finishCase(); }); });
  }

  void begin() {
    if (!m_dir.isValid()) return fail(QStringLiteral("cannot create a temporary directory"));
    // The latent view on the shipped generator of the setup.
    m_window.setSetup(QStringLiteral("fashion-mnist"), QStringLiteral("sid"), shippedTeacherFor("fashion-mnist"), 10, 0,
                      m_dir.filePath(QStringLiteral("unused")));
    m_window.showView(QStringLiteral("latent"));
    m_latentReplies = connect(m_window.modelWorker(), &ModelWorker::replied, this, [this] { onLatentReply(); });
    // The model loads on the first request; a fallback moves on if it never answers.
    QTimer::singleShot(120000, this, [this] {
      if (m_latencies.empty()) fail(QStringLiteral("the latent view never answered"));
    });
  }

 private:
  void fail(const QString& message) {
    printScriptError(QStringLiteral("--bench: ") + message);
    QApplication::exit(1);
  }

  // One reply: the first ones (the model loading) are waited out, then each move is timed to its reply.
  void onLatentReply() {
    if (m_moves == 0) {
      if (!m_settling) {
        m_settling = true;
        QTimer::singleShot(1000, this, [this] { moveSlider(); });
      }
      return;
    }
    m_latencies.push_back(static_cast<double>(m_latencyClock.nsecsElapsed()) * 1e-6);
    if (static_cast<int>(m_latencies.size()) < (m_quick ? 40 : 200)) {
      QTimer::singleShot(0, this, [this] { moveSlider(); });
      return;
    }
    disconnect(m_latentReplies);
    std::sort(m_latencies.begin(), m_latencies.end());
    m_result[QStringLiteral("latent_latency_ms")] = m_latencies[m_latencies.size() / 2];
    m_result[QStringLiteral("latent_latency_p95_ms")] =
        m_latencies[std::min(m_latencies.size() - 1, m_latencies.size() * 95 / 100)];
    m_window.showView(QStringLiteral("training"));
    startCase();
  }

  void moveSlider() {
    ++m_moves;
    QSlider* slider = m_window.latentView()->interpolationSlider();
    m_latencyClock.start();
    slider->setValue((slider->value() + 7) % (slider->maximum() + 1));
  }

  void startCase() {
    const BenchCase& c = m_cases[m_case];
    m_studioSeconds = 0;
    const QString pair = QString::number(m_ratios.size());
    m_window.setSetup(c.spec, QStringLiteral("sid"), shippedTeacherFor(c.spec), c.steps, 0,
                      m_dir.filePath(QStringLiteral("studio-") + c.key + pair));
    m_window.setSettingValue(QStringLiteral("eval_every"), QStringLiteral("0"));
    m_window.startRun();
  }

  // The studio's run ended: train the same settings headless, here, and compare.
  void finishCase() {
    const BenchCase& c = m_cases[m_case];
    if (m_studioSeconds <= 0) return fail(QStringLiteral("the studio's run of %1 did not finish").arg(c.spec));
    double headlessSeconds = 0;
    try {
      onestep::RunSetup setup;
      setup.dir = m_dir.filePath(QStringLiteral("headless-") + c.key + QString::number(m_ratios.size())).toStdString();
      for (const auto& kv : m_request.settings)
        setup.settings.emplace_back(kv.first.toStdString(), kv.second.toStdString());
      auto run = onestep::Run::open(setup);
      QElapsedTimer clock;
      onestep::TrainCallbacks cb;
      cb.onProgress = [&](const onestep::TrainProgress& p) {
        if (p.iteration == c.warmup) clock.start();
        if (p.iteration == c.steps) headlessSeconds = static_cast<double>(clock.nsecsElapsed()) * 1e-9;
      };
      onestep::train(*run, cb);
    } catch (const std::exception& e) {
      return fail(QString::fromLocal8Bit(e.what()));
    }
    const double iterations = c.steps - c.warmup;
    const double studio = iterations / m_studioSeconds, headless = iterations / headlessSeconds;
    m_ratios.push_back(studio / headless);
    m_studioRates.push_back(studio);
    m_headlessRates.push_back(headless);
    m_guiShares.push_back(m_guiCpu / m_studioSeconds);
    m_previewShares.push_back(m_previewSeconds / m_studioSeconds);
    if (static_cast<int>(m_ratios.size()) < m_pairs) return startCase();
    m_result[QStringLiteral("studio_it_per_s_") + c.key] = median(m_studioRates);
    m_result[QStringLiteral("headless_it_per_s_") + c.key] = median(m_headlessRates);
    m_result[QStringLiteral("studio_overhead_") + c.key] = median(m_ratios);
    m_result[QStringLiteral("studio_overhead_pairs_") + c.key] = static_cast<int>(m_ratios.size());
    m_result[QStringLiteral("studio_gui_thread_share_") + c.key] = median(m_guiShares);
    m_result[QStringLiteral("studio_preview_share_") + c.key] = median(m_previewShares);
    m_overhead = std::min(m_overhead, median(m_ratios));
    for (auto* v : {&m_ratios, &m_studioRates, &m_headlessRates, &m_guiShares, &m_previewShares}) v->clear();
    if (++m_case < m_cases.size()) return startCase();
    m_result[QStringLiteral("studio_overhead")] = m_overhead;
    std::printf("%s\n", QJsonDocument(m_result).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    QApplication::exit(0);
  }

  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  }

  MainWindow& m_window;
  bool m_quick;
  int m_pairs;  // studio/headless pairs per case
  std::vector<double> m_ratios, m_studioRates, m_headlessRates, m_guiShares, m_previewShares;  // per pair
  std::vector<BenchCase> m_cases;
  std::size_t m_case = 0;
  QTemporaryDir m_dir;
  RunRequest m_request;
  QElapsedTimer m_clock, m_latencyClock;
  double m_studioSeconds = 0, m_overhead = 1e9;
  double m_guiCpu = 0;          // CPU seconds of the GUI thread over the timed iterations
  double m_previewSeconds = 0;  // the worker's time on preview frames over them
  QMetaObject::Connection m_latentReplies;
  bool m_settling = false;
  int m_moves = 0;
  std::vector<double> m_latencies;
  QJsonObject m_result;
};

}  // namespace

std::unique_ptr<QObject> startBench(MainWindow& window, const BenchOptions& options) {
  auto bench = std::make_unique<Bench>(window, options);
  QTimer::singleShot(0, bench.get(), [b = bench.get()] { b->begin(); });
  return bench;
}
