// onestep-studio: the GUI entry point. Argument parsing and window start-up only; everything else
// lives in ui/ (widgets) and engine/ (LibTorch).
#include <onestep/methods.h>
#include <onestep/runtime.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <exception>
#include <memory>

#include "app_icon.h"
#include "bench.h"
#include "main_window.h"
#include "scripted.h"
#include "soak.h"

namespace {

// Time for layouts, fonts and the first paint to settle before a screenshot is grabbed.
constexpr int kScreenshotDelayMs = 300;

// Without a display Qt aborts in its platform plugin with several lines about xcb. Scripted use (--screenshot,
// --demo, --help, --version) runs offscreen by itself; an interactive start says in one line what to do instead.
bool preparePlatform(int argc, char* argv[]) {
  if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY") ||
      qEnvironmentVariableIsSet("WAYLAND_DISPLAY"))
    return true;
  for (int i = 1; i < argc; ++i) {
    const QByteArray arg(argv[i]);
    if (arg.startsWith("--screenshot") || arg.startsWith("--demo") || arg.startsWith("--plot") || arg == "--bench" ||
        arg.startsWith("--soak") || arg == "--help" || arg == "-h" || arg == "--version" || arg == "-v") {
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
  // --version, as the About box: the studio's, LibTorch's and Qt's versions.
  QApplication::setApplicationVersion(QStringLiteral("%1 (LibTorch %2, Qt %3)")
                                          .arg(QString::fromStdString(onestep::version()),
                                               QString::fromStdString(onestep::torchVersion()),
                                               QString::fromLatin1(qVersion())));
  // The installed desktop entry and icon (packaging/) are named by the application's id.
  QGuiApplication::setDesktopFileName(QStringLiteral(ONESTEP_APP_ID));
  QApplication::setWindowIcon(applicationIcon(QStringLiteral(ONESTEP_APP_ID)));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Watch diffusion models being distilled into one-step generators."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshotOption(
      QStringLiteral("screenshot"), QStringLiteral("Show the main window, save it as a PNG image to <file> and exit."),
      QStringLiteral("file"));
  parser.addOption(screenshotOption);
  const QCommandLineOption demoOption(QStringLiteral("demo"),
                                      QStringLiteral("Scripted mode: start a run on data <spec> (with --method, "
                                                     "--steps, --screenshot) and exit when it is done."),
                                      QStringLiteral("spec"));
  const QCommandLineOption methodOption(QStringLiteral("method"),
                                        QString::fromStdString(onestep::methodNames(false)) + QLatin1Char('.'),
                                        QStringLiteral("name"), QStringLiteral("sid"));
  const QCommandLineOption stepsOption(QStringLiteral("steps"), QStringLiteral("Iterations of the demo run."),
                                       QStringLiteral("n"), QStringLiteral("200"));
  const QCommandLineOption teacherOption(
      QStringLiteral("teacher"),
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
  const QCommandLineOption openOption(
      QStringLiteral("open"),
      QStringLiteral("Open run directory <dir> and follow it as another process writes it (a CLI or data-parallel "
                     "run); Start resumes it once that run has stopped."),
      QStringLiteral("dir"));
  parser.addOption(openOption);
  const QCommandLineOption plotOption(QStringLiteral("plot"),
                                      QStringLiteral("Scripted mode: draw the FID curves of run <dir> (and of the run "
                                                     "directories that follow) against iterations and wall time "
                                                     "into --out FILE.png, and exit."),
                                      QStringLiteral("dir"));
  const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("The PNG file --plot writes."),
                                     QStringLiteral("file"));
  parser.addOption(plotOption);
  parser.addOption(outOption);
  const QCommandLineOption benchOption(
      QStringLiteral("bench"),
      QStringLiteral("Scripted mode: time the latent view's latency and training through the window against "
                     "headless, print one JSON line and exit (onestep bench runs it)."));
  const QCommandLineOption quickOption(QStringLiteral("quick"), QStringLiteral("With --bench: a short smoke run."));
  parser.addOption(benchOption);
  parser.addOption(quickOption);
  const QCommandLineOption soakOption(
      QStringLiteral("soak"),
      QStringLiteral("Scripted mode: distil for <minutes> through the window while the compare and latent views are "
                     "used, print memory, preview history and rate figures as one JSON line, exit 0 when they hold."),
      QStringLiteral("minutes"));
  const QCommandLineOption soakDataOption(QStringLiteral("soak-data"),
                                          QStringLiteral("With --soak: the data (default fashion-mnist)."),
                                          QStringLiteral("spec"), QStringLiteral("fashion-mnist"));
  parser.addOption(soakOption);
  parser.addOption(soakDataOption);
  parser.addPositionalArgument(QStringLiteral("runs"), QStringLiteral("More run directories for --plot."),
                               QStringLiteral("[RUN...]"));
  parser.process(app);  // exits on --help, --version and unknown options
  if (parser.isSet(plotOption)) {
    const QStringList runs = parser.values(plotOption) + parser.positionalArguments();
    if (!parser.isSet(outOption)) {
      printScriptError(QStringLiteral("--plot needs --out FILE.png"));
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
        printScriptError(error);
        return 1;
      }
      std::fprintf(stdout, "wrote %s (%lld runs)\n", qPrintable(parser.value(outOption)),
                   static_cast<long long>(runs.size()));
      return 0;
    } catch (const std::exception& e) {
      printScriptError(QString::fromLocal8Bit(e.what()));
      return 1;
    }
  }
  if (!parser.positionalArguments().isEmpty()) {
    printScriptError(QStringLiteral("unexpected argument '%1' (run directories go with --plot)")
                         .arg(parser.positionalArguments().first()));
    return 2;
  }

  const bool screenshotMode = parser.isSet(screenshotOption) || parser.isSet(benchOption) || parser.isSet(soakOption);
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
    if (parser.isSet(openOption)) window.openRunDirectory(parser.value(openOption));
    std::unique_ptr<QObject> demo;
    if (parser.isSet(soakOption)) {
      SoakOptions options;
      bool ok = false;
      options.minutes = parser.value(soakOption).toDouble(&ok);
      if (!ok || options.minutes <= 0) {
        printScriptError(
            QStringLiteral("--soak needs a number of minutes > 0 (not '%1')").arg(parser.value(soakOption)));
        return 2;
      }
      options.spec = parser.value(soakDataOption);
      demo = startSoak(window, options);
      return QApplication::exec();
    }
    if (parser.isSet(benchOption)) {
      BenchOptions options;
      options.quick = parser.isSet(quickOption);
      demo = startBench(window, options);
      return QApplication::exec();
    }
    if (parser.isSet(demoOption)) {
      const QString method = parser.value(methodOption);
      bool ok = false;
      const int steps = parser.value(stepsOption).toInt(&ok);
      if (!onestep::findMethod(method.toStdString()) || !ok || steps < 1) {
        printScriptError(QStringLiteral("--demo needs --method %1 and --steps N >= 1")
                             .arg(QString::fromStdString(onestep::methodNames(false, "|"))));
        return 2;
      }
      if (!screenshotMode) {
        printScriptError(QStringLiteral("--demo needs --screenshot FILE.png"));
        return 2;
      }
      const QString view = parser.value(viewOption);
      if (!QStringList{"training", "compare", "latent", "2d"}.contains(view)) {
        printScriptError(QStringLiteral("--view must be training, compare, latent or 2d (not '%1')").arg(view));
        return 2;
      }
      DemoOptions options;
      options.spec = parser.value(demoOption);
      options.method = method;
      options.steps = steps;
      options.teacher = parser.value(teacherOption);
      options.screenshot = screenshotPath;
      options.view = view;
      demo = startDemo(window, options);
      return QApplication::exec();
    }
    if (screenshotMode) {
      // Without --demo, --view shows the window as it starts on that view (the shipped model of the setup).
      const QString view = parser.value(viewOption);
      if (!QStringList{"training", "compare", "latent", "2d"}.contains(view)) {
        printScriptError(QStringLiteral("--view must be training, compare, latent or 2d (not '%1')").arg(view));
        return 2;
      }
      if (view == QLatin1String("training")) {
        window.showView(view);
        QTimer::singleShot(kScreenshotDelayMs, &window, [&window, &screenshotPath] {
          QApplication::exit(writeScreenshot(window, screenshotPath) ? 0 : 1);
        });
      } else {
        QTimer::singleShot(0, &window,
                           [&window, view, screenshotPath] { grabView(window, view, screenshotPath, false); });
      }
    }
    return QApplication::exec();
  } catch (const std::exception& error) {
    const QString message = QString::fromLocal8Bit(error.what());
    if (screenshotMode) {
      printScriptError(message);
    } else {
      QMessageBox::critical(nullptr, QStringLiteral("OneStep Studio"),
                            QStringLiteral("The engine could not start:\n\n%1").arg(message));
    }
    return 1;
  }
}
