// onestep-studio: the GUI entry point. Argument parsing and window start-up only; everything else
// lives in ui/ (widgets) and engine/ (LibTorch).
#include <onestep/runtime.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPixmap>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <algorithm>
#include <exception>
#include <memory>

#include "compare_view.h"
#include "field_view.h"
#include "latent_view.h"
#include "main_window.h"
#include "shipped.h"

namespace {

// Time for layouts, fonts and the first paint to settle before a screenshot is grabbed.
constexpr int kScreenshotDelayMs = 300;

void printError(const QString& message) {
  std::fprintf(stderr, "onestep-studio: %s\n", qPrintable(message));
}

// Writes the whole window to a PNG; false (with a message) when the file cannot be written.
bool writeScreenshot(QWidget& window, const QString& path) {
  if (window.grab().save(path, "PNG")) return true;
  printError(QStringLiteral("cannot write the screenshot to '%1' (does the folder exist and is it writable?)").arg(path));
  return false;
}

// Shows a view and writes the screenshot once it has settled, then exits (0, or 1 when the file cannot be written).
// The training view is grabbed at once; a model view once its answers have stopped arriving for a moment (with
// `chart`, Compare's FID-versus-NFE chart is computed and waited for too).
void grabView(MainWindow& window, const QString& name, const QString& screenshot, bool chart) {
  auto shoot = [&window, screenshot] { QApplication::exit(writeScreenshot(window, screenshot) ? 0 : 1); };
  if (name == QLatin1String("training")) {
    QTimer::singleShot(400, &window, shoot);  // the last frame and plots paint first
    return;
  }
  auto* quiet = new QTimer(&window);
  quiet->setSingleShot(true);
  quiet->setInterval(2500);
  QObject::connect(quiet, &QTimer::timeout, &window, shoot);
  window.showView(name);
  if (name == QLatin1String("compare") && chart) {
    // The FID-versus-NFE chart samples the teacher many times: grab once it is drawn.
    QObject::connect(window.compareView(), &CompareView::chartShown, quiet, [quiet] {
      quiet->setInterval(1000);
      quiet->start();
    });
    QTimer::singleShot(0, window.compareView(), &CompareView::computeChart);
    return;
  }
  QObject::connect(window.modelWorker(), &ModelWorker::replied, quiet, [quiet] { quiet->start(); });
  if (name == QLatin1String("latent")) {
    // Somewhere between the two seeds, a little along the first direction, as a user would leave it.
    QTimer::singleShot(1500, window.latentView(), [&window] { window.latentView()->interpolationSlider()->setValue(400); });
  }
  // The first answer may take a while (the model loads): the quiet period counts from it, with a long fallback.
  quiet->setInterval(4000);
  QTimer::singleShot(120000, quiet, [quiet] { if (!quiet->isActive()) quiet->start(); });
}

// Scripted mode: --demo SPEC --method M --steps N [--teacher PATH] --screenshot FILE. Runs N iterations in the
// window as a user would (the shipped teacher of the data when the method needs one and none is given; for a toy
// without one, a teacher is trained first and cached), then writes the screenshot and exits 0; any engine error
// exits 1 with the message on stderr.
class Demo : public QObject {
 public:
  Demo(MainWindow& window, QString spec, QString method, int steps, QString teacher, QString screenshot, QString view)
      : m_window(window), m_spec(std::move(spec)), m_method(std::move(method)), m_steps(steps),
        m_teacher(std::move(teacher)), m_screenshot(std::move(screenshot)), m_view(std::move(view)) {
    m_window.setErrorReporter([](const QString& message) {
      printError(message);
      QApplication::exit(1);
    });
    QObject::connect(&m_window, &MainWindow::runFinished, this, [this](qint64, bool) { next(); });
  }

  void begin() {
    if (!m_dir.isValid()) {
      printError(QStringLiteral("cannot create a temporary run directory"));
      QApplication::exit(1);
      return;
    }
    const bool needsTeacher = m_method != QLatin1String("smm") && m_method != QLatin1String("teacher");
    if (needsTeacher && m_teacher.isEmpty()) m_teacher = shippedTeacherFor(m_spec);
    if (needsTeacher && m_teacher.isEmpty()) {
      if (!m_spec.startsWith(QLatin1String("toy:"))) {
        printError(QStringLiteral("--demo %1 --method %2: no teacher is shipped for this data; give --teacher PATH")
                       .arg(m_spec, m_method));
        QApplication::exit(1);
        return;
      }
      // A toy teacher trains in seconds; it is cached so later demos reuse it.
      const QString cache = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
      m_teacher = QDir(cache).filePath(QStringLiteral("teachers/") + m_spec.mid(4) + QStringLiteral("-1500"));
      QDir().mkpath(QFileInfo(m_teacher).path());
      m_stage = Stage::Teacher;
      if (QFileInfo::exists(m_teacher + QStringLiteral("/config.json"))) {
        m_window.openRunDirectory(m_teacher);  // resumes (or finishes at once when already trained)
      } else {
        m_window.setSetup(m_spec, QStringLiteral("teacher"), QString(), 1500, 0, m_teacher);
      }
      m_window.startRun();
      return;
    }
    startMain();
  }

 private:
  enum class Stage { Teacher, Main };

  void startMain() {
    m_stage = Stage::Main;
    m_window.setSetup(m_spec, m_method, m_teacher, m_steps, 0, m_dir.filePath(QStringLiteral("run")));
    // Five evaluations over the demo, so its screenshot shows the FID curve.
    m_window.setSettingValue(QStringLiteral("eval_every"), QString::number(std::max(1, m_steps / 5)));
    m_window.startRun();
  }

  void next() {
    if (m_stage == Stage::Teacher) {
      startMain();
      return;
    }
    grabView(m_window, m_view, m_screenshot, /*chart=*/true);
  }

  MainWindow& m_window;
  QString m_spec, m_method;
  int m_steps;
  QString m_teacher, m_screenshot, m_view;
  QTemporaryDir m_dir;
  Stage m_stage = Stage::Main;
};

// Without a display Qt aborts in its platform plugin with several lines about xcb. Scripted use (--screenshot,
// --demo, --help, --version) runs offscreen by itself; an interactive start says in one line what to do instead.
bool preparePlatform(int argc, char* argv[]) {
  if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY") ||
      qEnvironmentVariableIsSet("WAYLAND_DISPLAY"))
    return true;
  for (int i = 1; i < argc; ++i) {
    const QByteArray arg(argv[i]);
    if (arg.startsWith("--screenshot") || arg.startsWith("--demo") || arg.startsWith("--plot") || arg == "--help" || arg == "-h" ||
        arg == "--version" || arg == "-v") {
      qputenv("QT_QPA_PLATFORM", "offscreen");
      return true;
    }
  }
  std::fprintf(stderr,
               "onestep-studio: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); for a window use a desktop "
               "session or xvfb-run, for images the scripted mode (onestep-studio --demo fashion-mnist --screenshot "
               "out.png, or --plot RUN... --out curves.png), for training the onestep CLI (onestep --help)\n");
  return false;
}

}  // namespace

int main(int argc, char* argv[]) {
  if (!preparePlatform(argc, argv)) return 2;
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("OneStep"));
  QApplication::setApplicationName(QStringLiteral("OneStep Studio"));
  QApplication::setApplicationVersion(QString::fromStdString(onestep::version()));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Watch diffusion models being distilled into one-step generators."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshotOption(
      QStringLiteral("screenshot"),
      QStringLiteral("Show the main window, save it as a PNG image to <file> and exit."),
      QStringLiteral("file"));
  parser.addOption(screenshotOption);
  const QCommandLineOption demoOption(QStringLiteral("demo"),
                                      QStringLiteral("Scripted mode: start a run on data <spec> (with --method, "
                                                     "--steps, --screenshot) and exit when it is done."),
                                      QStringLiteral("spec"));
  const QCommandLineOption methodOption(QStringLiteral("method"), QStringLiteral("sid, smm, ect, sct or teacher."),
                                        QStringLiteral("name"), QStringLiteral("sid"));
  const QCommandLineOption stepsOption(QStringLiteral("steps"), QStringLiteral("Iterations of the demo run."),
                                       QStringLiteral("n"), QStringLiteral("200"));
  const QCommandLineOption teacherOption(QStringLiteral("teacher"),
                                         QStringLiteral("Teacher of the demo run (default: the shipped teacher of the data; "
                                                        "for a toy without one, one trained on the fly)."),
                                         QStringLiteral("path"));
  parser.addOption(demoOption);
  parser.addOption(methodOption);
  parser.addOption(stepsOption);
  const QCommandLineOption viewOption(QStringLiteral("view"),
                                      QStringLiteral("View to screenshot after the demo run, or without --demo as the "
                                                     "window starts: training (default), compare, latent or 2d."),
                                      QStringLiteral("name"), QStringLiteral("training"));
  parser.addOption(teacherOption);
  parser.addOption(viewOption);
  const QCommandLineOption plotOption(QStringLiteral("plot"),
                                      QStringLiteral("Scripted mode: draw the FID curves of run <dir> (and of the run "
                                                     "directories that follow) against iterations and wall time "
                                                     "into --out FILE.png, and exit."),
                                      QStringLiteral("dir"));
  const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("The PNG file --plot writes."),
                                     QStringLiteral("file"));
  parser.addOption(plotOption);
  parser.addOption(outOption);
  parser.addPositionalArgument(QStringLiteral("runs"), QStringLiteral("More run directories for --plot."),
                               QStringLiteral("[RUN...]"));
  parser.process(app);  // exits on --help, --version and unknown options
  if (parser.isSet(plotOption)) {
    const QStringList runs = parser.values(plotOption) + parser.positionalArguments();
    if (!parser.isSet(outOption)) {
      printError(QStringLiteral("--plot needs --out FILE.png"));
      return 2;
    }
    QTemporaryDir scratch;  // the window neither reads nor writes the user's saved layout
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, scratch.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, scratch.path());
    try {
      onestep::setThreads(1);
      MainWindow window;
      window.resize(MainWindow::kDefaultSize);
      QString error;
      if (!window.writeCurvesImage(runs, parser.value(outOption), &error)) {
        printError(error);
        return 1;
      }
      std::fprintf(stdout, "wrote %s (%lld runs)\n", qPrintable(parser.value(outOption)), static_cast<long long>(runs.size()));
      return 0;
    } catch (const std::exception& e) {
      printError(QString::fromLocal8Bit(e.what()));
      return 1;
    }
  }
  if (!parser.positionalArguments().isEmpty()) {
    printError(QStringLiteral("unexpected argument '%1' (run directories go with --plot)").arg(parser.positionalArguments().first()));
    return 2;
  }

  const bool screenshotMode = parser.isSet(screenshotOption);
  const QString screenshotPath = parser.value(screenshotOption);

  // Screenshots are reproducible: the window neither reads nor writes the user's saved layout and setup
  // (its settings live in a scratch folder for the process).
  std::unique_ptr<QTemporaryDir> scratchSettings;
  if (screenshotMode) {
    scratchSettings = std::make_unique<QTemporaryDir>();
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, scratchSettings->path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, scratchSettings->path());
  }
  try {
    onestep::setThreads(0);  // Debian's LibTorch starts with one intra-op thread (docs/architecture.md)
    MainWindow window;
    if (screenshotMode) {
      window.resize(MainWindow::kDefaultSize);  // reproducible images, whatever was saved
    }
    window.show();
    std::unique_ptr<Demo> demo;
    if (parser.isSet(demoOption)) {
      const QString method = parser.value(methodOption);
      bool ok = false;
      const int steps = parser.value(stepsOption).toInt(&ok);
      if (!QStringList{"sid", "smm", "ect", "sct", "teacher"}.contains(method) || !ok || steps < 1) {
        printError(QStringLiteral("--demo needs --method sid|smm|ect|sct|teacher and --steps N >= 1"));
        return 2;
      }
      if (!screenshotMode) {
        printError(QStringLiteral("--demo needs --screenshot FILE.png"));
        return 2;
      }
      const QString view = parser.value(viewOption);
      if (!QStringList{"training", "compare", "latent", "2d"}.contains(view)) {
        printError(QStringLiteral("--view must be training, compare, latent or 2d (not '%1')").arg(view));
        return 2;
      }
      demo = std::make_unique<Demo>(window, parser.value(demoOption), method, steps, parser.value(teacherOption),
                                    screenshotPath, view);
      QTimer::singleShot(0, demo.get(), [&demo] { demo->begin(); });
      return QApplication::exec();
    }
    if (screenshotMode) {
      // Without --demo, --view shows the window as it starts on that view (the shipped model of the setup).
      const QString view = parser.value(viewOption);
      if (!QStringList{"training", "compare", "latent", "2d"}.contains(view)) {
        printError(QStringLiteral("--view must be training, compare, latent or 2d (not '%1')").arg(view));
        return 2;
      }
      if (view == QLatin1String("training")) {
        window.showView(view);
        QTimer::singleShot(kScreenshotDelayMs, &window, [&window, &screenshotPath] {
          QApplication::exit(writeScreenshot(window, screenshotPath) ? 0 : 1);
        });
      } else {
        QTimer::singleShot(0, &window, [&window, view, screenshotPath] { grabView(window, view, screenshotPath, false); });
      }
    }
    return QApplication::exec();
  } catch (const std::exception& error) {
    const QString message = QString::fromLocal8Bit(error.what());
    if (screenshotMode) {
      printError(message);
    } else {
      QMessageBox::critical(nullptr, QStringLiteral("OneStep Studio"),
                            QStringLiteral("The engine could not start:\n\n%1").arg(message));
    }
    return 1;
  }
}
