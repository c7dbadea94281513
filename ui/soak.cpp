// The studio's soak (soak.h): a long run through the window with the model views in use, and its figures.
#include "soak.h"

#include <unistd.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSlider>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "compare_view.h"
#include "latent_view.h"
#include "main_window.h"
#include "scripted.h"
#include "shipped.h"

namespace {

// Resident memory of this process in MiB (/proc/self/statm), or 0 where it cannot be read.
double residentMiB() {
  QFile statm(QStringLiteral("/proc/self/statm"));
  if (!statm.open(QIODevice::ReadOnly)) return 0;
  const QList<QByteArray> fields = statm.readAll().split(' ');
  if (fields.size() < 2) return 0;
  return fields[1].toDouble() * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

struct Sample {
  double seconds = 0, rssMiB = 0;
  qint64 iteration = 0;
  int frames = 0;
};

class Soak : public QObject {
 public:
  Soak(MainWindow& window, const SoakOptions& options) : m_window(window), m_options(options) {
    m_window.setErrorReporter([this](const QString& message) { fail(message); });
    connect(m_window.worker(), &RunWorker::progress, this,
            [this](qint64 iteration, qint64, double, double, qint64, const QMap<QString, double>&) {
              m_iteration = iteration;
            });
    connect(&m_window, &MainWindow::runFinished, this, [this](qint64, bool) {
      if (!m_done) fail(QStringLiteral("the run ended before the soak did"));
    });
  }

  void begin() {
    if (!m_dir.isValid()) return fail(QStringLiteral("cannot create a temporary directory"));
    m_window.setSetup(m_options.spec, QStringLiteral("sid"), shippedTeacherFor(m_options.spec), 100000000, 0,
                      m_dir.filePath(QStringLiteral("run")));
    m_window.setSettingValue(QStringLiteral("eval_every"), QStringLiteral("0"));
    m_window.setSettingValue(QStringLiteral("checkpoint_every"), QStringLiteral("50"));
    m_window.showView(QStringLiteral("training"));
    m_window.startRun();
    m_clock.start();
    connect(&m_sampleTimer, &QTimer::timeout, this, [this] { sample(); });
    connect(&m_viewTimer, &QTimer::timeout, this, [this] { nextView(); });
    m_sampleTimer.start(10000);
    m_viewTimer.start(30000);
    std::fprintf(stderr, "soak: %s for %.1f min (figures every 10 s)\n", qPrintable(m_options.spec), m_options.minutes);
  }

 private:
  void fail(const QString& message) {
    if (m_done) return;
    m_done = true;
    printScriptError(QStringLiteral("--soak: ") + message);
    QApplication::exit(1);
  }

  double elapsed() const { return static_cast<double>(m_clock.nsecsElapsed()) * 1e-9; }

  void sample() {
    Sample s;
    s.seconds = elapsed();
    s.rssMiB = residentMiB();
    s.iteration = m_iteration;
    s.frames = m_window.sampleView()->frameCount();
    m_samples.push_back(s);
    std::fprintf(stderr, "soak: %6.0f s  iteration %lld  rss %.0f MiB  preview frames %d\n", s.seconds,
                 static_cast<long long>(s.iteration), s.rssMiB, s.frames);
    if (s.seconds >= m_options.minutes * 60) finish();
  }

  // Training → compare (a new comparison) → latent (a few slider moves) → training ...
  void nextView() {
    static const char* const kViews[] = {"training", "compare", "latent"};
    m_view = (m_view + 1) % 3;
    m_window.showView(QString::fromLatin1(kViews[m_view]));
    if (m_view == 1) {
      QTimer::singleShot(5000, this, [this] { m_window.compareView()->compare(); });
    } else if (m_view == 2) {
      for (int i = 1; i <= 5; ++i)
        QTimer::singleShot(3000 * i, this, [this] {
          QSlider* slider = m_window.latentView()->interpolationSlider();
          slider->setValue((slider->value() + 17) % (slider->maximum() + 1));
        });
    }
    ++m_viewChanges;
  }

  static double medianRss(std::vector<Sample>::const_iterator first, std::vector<Sample>::const_iterator last) {
    std::vector<double> v;
    for (auto it = first; it != last; ++it) v.push_back(it->rssMiB);
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }

  // The rate between the samples nearest two times.
  double rateBetween(double from, double to) const {
    auto at = [&](double t) {
      return *std::min_element(m_samples.begin(), m_samples.end(), [t](const Sample& a, const Sample& b) {
        return std::abs(a.seconds - t) < std::abs(b.seconds - t);
      });
    };
    const Sample a = at(from), b = at(to);
    return b.seconds > a.seconds ? static_cast<double>(b.iteration - a.iteration) / (b.seconds - a.seconds) : 0;
  }

  void finish() {
    m_done = true;
    m_sampleTimer.stop();
    m_viewTimer.stop();
    m_window.stopRun();
    const double total = m_samples.back().seconds, warm = total / 5;
    const auto warmEnd =
        std::find_if(m_samples.begin(), m_samples.end(), [warm](const Sample& s) { return s.seconds >= warm; });
    const auto n = std::distance(warmEnd, m_samples.end());
    if (n < 6) {
      printScriptError(
          QStringLiteral("--soak: too short to judge (%1 samples after the warm-up; give it minutes)").arg(n));
      QApplication::exit(1);
      return;
    }
    const double rssWarm = medianRss(warmEnd, warmEnd + 3), rssEnd = medianRss(m_samples.end() - 3, m_samples.end());
    const double span = total - warmEnd->seconds;
    const double rateFirst = rateBetween(warmEnd->seconds, warmEnd->seconds + span / 3);
    const double rateLast = rateBetween(total - span / 3, total);
    int framesMax = 0;
    for (const auto& s : m_samples) framesMax = std::max(framesMax, s.frames);
    QJsonObject r;
    r[QStringLiteral("data")] = m_options.spec;
    r[QStringLiteral("minutes")] = total / 60;
    r[QStringLiteral("iterations")] = static_cast<double>(m_samples.back().iteration);
    r[QStringLiteral("view_changes")] = m_viewChanges;
    r[QStringLiteral("rss_after_warmup_mib")] = rssWarm;
    r[QStringLiteral("rss_end_mib")] = rssEnd;
    r[QStringLiteral("rss_growth")] = rssWarm > 0 ? rssEnd / rssWarm - 1 : 0;
    r[QStringLiteral("preview_frames_max")] = framesMax;
    r[QStringLiteral("preview_frames_bound")] = SampleView::kMaxFrames;
    r[QStringLiteral("rate_first_it_per_s")] = rateFirst;
    r[QStringLiteral("rate_last_it_per_s")] = rateLast;
    r[QStringLiteral("rate_ratio")] = rateFirst > 0 ? rateLast / rateFirst : 0;
    const bool memoryHolds = rssWarm > 0 && rssEnd / rssWarm - 1 < 0.05;
    const bool historyHolds = framesMax <= SampleView::kMaxFrames;
    const bool rateHolds = rateFirst > 0 && rateLast / rateFirst >= 0.9;
    r[QStringLiteral("pass")] = memoryHolds && historyHolds && rateHolds;
    QJsonArray trace;
    for (const auto& s : m_samples)
      trace.append(QJsonArray{s.seconds, s.rssMiB, static_cast<double>(s.iteration), s.frames});
    r[QStringLiteral("samples_s_rss_iteration_frames")] = trace;
    std::printf("%s\n", QJsonDocument(r).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    QApplication::exit(memoryHolds && historyHolds && rateHolds ? 0 : 1);
  }

  MainWindow& m_window;
  SoakOptions m_options;
  QTemporaryDir m_dir;
  QElapsedTimer m_clock;
  QTimer m_sampleTimer, m_viewTimer;
  std::vector<Sample> m_samples;
  qint64 m_iteration = 0;
  int m_view = 0, m_viewChanges = 0;
  bool m_done = false;
};

}  // namespace

std::unique_ptr<QObject> startSoak(MainWindow& window, const SoakOptions& options) {
  auto soak = std::make_unique<Soak>(window, options);
  QTimer::singleShot(0, soak.get(), [s = soak.get()] { s->begin(); });
  return soak;
}
