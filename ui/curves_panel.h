// The training view's curves: the current run's losses and evaluations, against iterations or the run's wall time,
// with log scale, smoothing and other runs' curves overlaid (dashed). Hovering a point names it; clicking one asks
// for that iteration's samples (iterationClicked).
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QMouseEvent;
class QTimer;

class CurvesPanel : public QWidget {
  Q_OBJECT

 public:
  explicit CurvesPanel(QWidget* parent = nullptr);

  // The current run's curves: cleared for a new run, replayed from a run directory's metrics.jsonl, or grown point by
  // point as the run reports. Overlays stay.
  void clear();
  void loadRun(const QString& dir);
  void addLosses(double iteration, double wallSec, const QMap<QString, double>& values);       // bookkeeping skipped
  void addEvaluation(double iteration, double wallSec, const QMap<QString, double>& metrics);  // likewise
  // Another run's curves beside the current run's; false with *error when it has none.
  bool overlayRun(const QString& dir, QString* error);
  void clearOverlays();
  // Scripted --plot: the runs' FID curves (log scale) against iterations and against wall time, side by side, as
  // one PNG. False with *error naming the run or file that failed.
  bool writeCurvesImage(const QStringList& runs, const QString& path, QString* error);

 signals:
  void iterationClicked(qint64 iteration);  // a point of a curve was clicked
  void message(const QString& text);        // a notice for the status bar
  void failed(const QString& text);         // an overlay that could not be read

 private:
  // One point of a curve: its iteration, the run's wall time then, and the value.
  struct CurvePoint {
    double iteration = 0;
    double wall = 0;
    double value = 0;
  };
  using CurveSet = QMap<QCustomPlot*, QMap<QString, QVector<CurvePoint>>>;

  QCustomPlot* createPlot(const QString& objectName, const QString& title, const QString& yLabel);
  void addPoint(QCustomPlot* plot, const QString& name, double iteration, double wall, double value);
  void drawPoint(QCustomPlot* plot, const QString& name, const CurvePoint& point, bool overlay);
  void rebuildGraphs();  // after the smoothing or x-axis toggle: every graph again from its raw points
  // Curves of a run directory's metrics.jsonl into `out` (series names prefixed); false if it has none.
  bool readMetrics(const QString& dir, const QString& prefix, CurveSet& out) const;
  // The curve point nearest to a mouse position on a plot (within `radius` pixels); false if none.
  bool nearestPoint(QCustomPlot* plot, const QPoint& pos, double radius, QString* name, CurvePoint* point) const;
  void onPlotHover(QCustomPlot* plot, QMouseEvent* event);
  void onPlotClick(QCustomPlot* plot, QMouseEvent* event);

  QCustomPlot* m_lossPlot = nullptr;
  QCustomPlot* m_fidPlot = nullptr;
  QTimer* m_replotTimer = nullptr;
  bool m_replotPending = false;
  bool m_smooth = false;
  bool m_wallClock = false;  // x axis: wall time of the run instead of iterations
  // Raw points of every curve (plot → series → points), so smoothing and the x axis can be switched; overlays are
  // other runs' curves drawn dashed beside the current one.
  CurveSet m_raw;
  CurveSet m_overlays;
};
