// onestep-studio: the GUI entry point. Argument parsing and window start-up only; everything else
// lives in ui/ (widgets) and engine/ (LibTorch).
#include <onestep/runtime.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QPixmap>
#include <QTimer>

#include <cstdio>
#include <exception>

#include "main_window.h"

namespace {

// Time for layouts, fonts and the first paint to settle before a screenshot is grabbed.
constexpr int kScreenshotDelayMs = 300;

void printError(const QString& message) {
  std::fprintf(stderr, "onestep-studio: %s\n", qPrintable(message));
}

}  // namespace

int main(int argc, char* argv[]) {
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
  parser.process(app);  // exits on --help, --version and unknown options

  const bool screenshotMode = parser.isSet(screenshotOption);
  const QString screenshotPath = parser.value(screenshotOption);

  try {
    onestep::setThreads(0);  // Debian's LibTorch starts with one intra-op thread (DESIGN.md)
    MainWindow window;
    if (screenshotMode) {
      window.resize(MainWindow::kDefaultSize);  // reproducible images, whatever was saved
    }
    window.show();
    if (screenshotMode) {
      QTimer::singleShot(kScreenshotDelayMs, &window, [&window, &screenshotPath] {
        const QPixmap image = window.grab();
        if (!image.save(screenshotPath, "PNG")) {
          printError(QStringLiteral("cannot write the screenshot to '%1' "
                                    "(does the folder exist and is it writable?)")
                         .arg(screenshotPath));
          QApplication::exit(1);
          return;
        }
        QApplication::exit(0);
      });
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
