// The studio's scripted modes: a screenshot of a view once it has settled (--screenshot, --view), and a demo run
// driven through the window as a user would (--demo). app/studio/main.cpp parses the options and calls these.
#pragma once

#include <QObject>
#include <QString>

#include <memory>

class MainWindow;
class QWidget;

// Prints "onestep-studio: MESSAGE" on stderr.
void printScriptError(const QString& message);

// Writes the whole window to a PNG; false (with a message) when the file cannot be written.
bool writeScreenshot(QWidget& window, const QString& path);

// Shows a view ("training", "compare", "latent", "2d") and writes the screenshot once it has settled, then exits the
// application (0, or 1 when the file cannot be written). The training view is grabbed at once; a model view once its
// answers have stopped arriving for a moment (with `chart`, Compare's FID-versus-NFE chart is computed and waited
// for too).
void grabView(MainWindow& window, const QString& view, const QString& screenshot, bool chart);

// A demo run: --demo SPEC --method M --steps N [--teacher PATH] --screenshot FILE [--view V].
struct DemoOptions {
  QString spec, method, teacher, screenshot, view;
  int steps = 0;
};

// Starts the demo in the window: N iterations as a user would run them (the shipped teacher of the data when the
// method needs one and none is given; for a toy without one, a teacher is trained first and cached), then the
// screenshot of the view and exit 0; any engine error exits 1 with the message on stderr. Keep the returned object
// alive until the application's event loop ends.
std::unique_ptr<QObject> startDemo(MainWindow& window, const DemoOptions& options);
