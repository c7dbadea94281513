// The studio's scripted modes (scripted.h): screenshots of a view once it has settled, and the --demo run.
#include "scripted.h"

#include <onestep/run_dir.h>

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QPixmap>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

#include "compare_view.h"
#include "latent_view.h"
#include "main_window.h"
#include "methods.h"
#include "model_worker.h"
#include "shipped.h"

void printScriptError(const QString& message) { std::fprintf(stderr, "onestep-studio: %s\n", qPrintable(message)); }

bool writeScreenshot(QWidget& window, const QString& path) {
  if (window.grab().save(path, "PNG")) return true;
  printScriptError(
      QStringLiteral("cannot write the screenshot to '%1' (does the folder exist and is it writable?)").arg(path));
  return false;
}

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
    QTimer::singleShot(1500, window.latentView(),
                       [&window] { window.latentView()->interpolationSlider()->setValue(400); });
  }
  // The first answer may take a while (the model loads): the quiet period counts from it, with a long fallback.
  quiet->setInterval(4000);
  QTimer::singleShot(120000, quiet, [quiet] {
    if (!quiet->isActive()) quiet->start();
  });
}

namespace {

// Scripted mode: --demo SPEC --method M --steps N [--teacher PATH] --screenshot FILE. Runs N iterations in the
// window as a user would (the shipped teacher of the data when the method needs one and none is given; for a toy
// without one, a teacher is trained first and cached), then writes the screenshot and exits 0; any engine error
// exits 1 with the message on stderr.
class Demo : public QObject {
 public:
  Demo(MainWindow& window, QString spec, QString method, int steps, QString teacher, QString screenshot, QString view)
      : m_window(window),
        m_spec(std::move(spec)),
        m_method(std::move(method)),
        m_steps(steps),
        m_teacher(std::move(teacher)),
        m_screenshot(std::move(screenshot)),
        m_view(std::move(view)) {
    m_window.setErrorReporter([](const QString& message) {
      printScriptError(message);
      QApplication::exit(1);
    });
    QObject::connect(&m_window, &MainWindow::runFinished, this, [this](qint64, bool) { next(); });
  }

  void begin() {
    if (!m_dir.isValid()) {
      printScriptError(QStringLiteral("cannot create a temporary run directory"));
      QApplication::exit(1);
      return;
    }
    const bool needsTeacher = methodNeedsTeacher(m_method);
    if (needsTeacher && m_teacher.isEmpty()) m_teacher = shippedTeacherFor(m_spec);
    if (needsTeacher && m_teacher.isEmpty()) {
      if (!m_spec.startsWith(QLatin1String("toy:"))) {
        printScriptError(
            QStringLiteral("--demo %1 --method %2: no teacher is shipped for this data; give --teacher PATH")
                .arg(m_spec, m_method));
        QApplication::exit(1);
        return;
      }
      // A toy teacher trains in seconds; it is cached so later demos reuse it.
      const QString cache = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
      m_teacher = QDir(cache).filePath(QStringLiteral("teachers/") + m_spec.mid(4) + QStringLiteral("-1500"));
      QDir().mkpath(QFileInfo(m_teacher).path());
      m_stage = Stage::Teacher;
      if (onestep::isRunDirectory(m_teacher.toStdString())) {
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

}  // namespace

std::unique_ptr<QObject> startDemo(MainWindow& window, const DemoOptions& o) {
  auto demo = std::make_unique<Demo>(window, o.spec, o.method, o.steps, o.teacher, o.screenshot, o.view);
  QTimer::singleShot(0, demo.get(), [d = demo.get()] { d->begin(); });
  return demo;
}
