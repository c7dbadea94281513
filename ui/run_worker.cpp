#include "run_worker.h"

#include <onestep/config.h>
#include <onestep/run.h>

#include <QElapsedTimer>
#include <QMutexLocker>
#include <QPainter>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>

namespace {

QMap<QString, double> toQMap(const std::map<std::string, double>& values) {
  QMap<QString, double> out;
  for (const auto& [k, v] : values) out.insert(QString::fromStdString(k), v);
  return out;
}

QImage previewImage(const onestep::SampleSet& s) {
  const int n = static_cast<int>(s.count());
  if (s.kind == onestep::SampleSet::Kind::Points)
    return samplesToImage(QVector<float>(s.points.begin(), s.points.end()), static_cast<int>(s.shape[1]), {}, n, 0, 0,
                          0);
  return samplesToImage({}, 0,
                        QByteArray(reinterpret_cast<const char*>(s.pixels.data()), static_cast<int>(s.pixels.size())),
                        n, static_cast<int>(s.shape[1]), static_cast<int>(s.shape[2]), static_cast<int>(s.shape[3]));
}

}  // namespace

QImage samplesToImage(const QVector<float>& points, int dim, const QByteArray& pixels, int n, int height, int width,
                      int channels, int size) {
  if (!points.isEmpty()) {
    // Scatter plot of the first two coordinates over [-extent, extent]^2 (the toys live inside ±1.2).
    QImage image(size, size, QImage::Format_RGB32);
    image.fill(QColor(250, 250, 250));
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QColor(220, 220, 220));
    p.drawLine(size / 2, 0, size / 2, size);
    p.drawLine(0, size / 2, size, size / 2);
    const double extent = 1.5;
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(30, 90, 200, 110));
    for (int i = 0; i < n; ++i) {
      const double x = points[i * dim], y = dim > 1 ? points[i * dim + 1] : 0.0;
      const double px = (x / extent + 1) * 0.5 * size, py = (1 - (y / extent + 1) * 0.5) * size;
      p.drawEllipse(QPointF(px, py), 2.2, 2.2);
    }
    return image;
  }
  if (n <= 0 || height <= 0 || width <= 0) return {};
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int rows = (n + cols - 1) / cols, pad = 2;
  QImage image(cols * (width + pad) + pad, rows * (height + pad) + pad, QImage::Format_RGB32);
  image.fill(QColor(40, 40, 40));
  const auto* px = reinterpret_cast<const uchar*>(pixels.constData());
  for (int i = 0; i < n; ++i) {
    const int ox = pad + (i % cols) * (width + pad), oy = pad + (i / cols) * (height + pad);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const uchar* v = px + ((static_cast<qsizetype>(i) * height + y) * width + x) * channels;
        image.setPixel(ox + x, oy + y, channels == 1 ? qRgb(v[0], v[0], v[0]) : qRgb(v[0], v[1], v[2]));
      }
  }
  return image;
}

RunWorker::RunWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<RunRequest>("RunRequest");
  qRegisterMetaType<QMap<QString, double>>("QMap<QString,double>");
}

RunWorker::~RunWorker() = default;

void RunWorker::requestSettings(const QVector<QPair<QString, QString>>& settings) {
  QMutexLocker lock(&m_settingsMutex);
  m_pendingSettings += settings;
}

void RunWorker::start(const RunRequest& request) {
  m_stop.store(false);
  std::unique_ptr<onestep::Run> run;
  try {
    onestep::RunSetup setup;
    setup.dir = request.dir.toStdString();
    setup.opening = request.resume ? onestep::RunOpening::Resume : onestep::RunOpening::New;
    for (const auto& kv : request.settings)
      setup.settings.emplace_back(kv.first.toStdString(), kv.second.toStdString());
    run = onestep::Run::open(setup);
  } catch (const std::exception& e) {
    emit failed(QString::fromLocal8Bit(e.what()));
    emit trainingFailed(-1);
    emit finished(0, false);
    return;
  }
  emit started(request.dir, QString::fromStdString(run->device()), run->iteration(), run->config().steps);
  emit previewReady(run->iteration(), previewImage(run->preview()));

  // Previews at most every m_previewMs, and never more often than 30 times their own cost, so a slow
  // sampler (an image teacher's 35 steps) does not slow training by more than ~3% (studio_overhead in
  // benchmarks/README.md).
  QElapsedTimer sincePreview;
  sincePreview.start();
  qint64 previewCostMs = 0;
  onestep::TrainCallbacks cb;
  cb.onProgress = [&](const onestep::TrainProgress& p) {
    emit progress(p.iteration, p.total, p.itPerSec, p.elapsedSec, p.samplesSeen, toQMap(p.losses));
    const bool lastStep = p.iteration >= p.total;
    if (sincePreview.elapsed() >= std::max<qint64>(m_previewMs.load(), 30 * previewCostMs) || lastStep ||
        m_paused.load()) {
      QElapsedTimer cost;
      cost.start();
      emit previewReady(p.iteration, previewImage(run->preview()));
      previewCostMs = cost.elapsed();
      m_previewNs.fetch_add(cost.nsecsElapsed());
      sincePreview.restart();
    }
  };
  cb.onEval = [&](int64_t iteration, const std::map<std::string, double>& values) {
    emit evaluated(iteration, toQMap(values));
  };
  cb.onMessage = [&](const std::string& text) { emit message(QString::fromStdString(text)); };
  // Polled before every iteration: settings, checkpoints and pause happen here, between two iterations.
  cb.stopRequested = [this] { return m_stop.load(); };
  cb.shouldStop = [&]() {
    for (;;) {
      QVector<QPair<QString, QString>> pending;
      {
        QMutexLocker lock(&m_settingsMutex);
        pending.swap(m_pendingSettings);
      }
      if (!pending.isEmpty()) {
        std::vector<std::pair<std::string, std::string>> kv;
        QStringList text;
        for (const auto& p : pending) {
          kv.emplace_back(p.first.toStdString(), p.second.toStdString());
          text << p.first + "=" + p.second;
        }
        try {
          run->changeSettings(kv);
          emit settingsApplied(text.join(", "));
        } catch (const std::exception& e) {
          QStringList keys;
          for (const auto& p : pending) keys << p.first;
          emit settingsRejected(keys);
          emit failed(QStringLiteral("settings not applied: %1").arg(QString::fromLocal8Bit(e.what())));
        }
      }
      if (m_checkpoint.exchange(false))
        emit message(QStringLiteral("checkpoint %1").arg(QString::fromStdString(run->saveCheckpoint())));
      if (m_stop.load()) return true;
      if (!m_paused.load()) return false;
      if (m_singleSteps.load() > 0) {
        m_singleSteps.fetch_sub(1);
        return false;
      }
      QThread::msleep(15);
    }
  };
  // A run that throws ends as failed at the iteration it reached, and the window is told.
  auto fail = [&](const QString& why) {
    emit failed(why);
    emit trainingFailed(run->iteration());
    emit finished(run->iteration(), false);
  };
  try {
    auto summary = onestep::train(*run, cb);
    emit finished(summary.iteration, summary.stopped);
  } catch (const std::exception& e) {
    fail(QString::fromLocal8Bit(e.what()));
  } catch (...) {  // not an exception the engine throws; the window is told all the same and stays usable
    fail(QStringLiteral("the run stopped on an internal error of an unknown kind"));
  }
}
