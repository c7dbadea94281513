// The models that ship with OneStep Studio, as the studio shows them: the engine's one list (models.json in the
// models folder, the list `onestep models` prints), in Qt types.
#pragma once

#include <QString>
#include <QVector>

struct ShippedEntry {
  QString name;    // "fashion-mnist", "fashion-mnist-sid"
  QString kind;    // "teacher" | "generator"
  QString method;  // "teacher", "sid", "ect", "sct", "smm"
  QString data;    // the data spec it models, e.g. "toy:8gaussians"
  QString path;    // the .pt file
  QString figure;  // its recorded figure, e.g. "FID 5.59 at 35 NFE"
};

// The models folder (see onestep::shippedModelsDir); empty when none exists.
QString shippedModelsDir();
// Every shipped model, in the list's order; empty (never throwing) when the list cannot be read.
QVector<ShippedEntry> shippedModels();
// The shipped teacher for a data spec (its options ignored: "toy:moons?n=5000" is "toy:moons"); empty if none.
QString shippedTeacherFor(const QString& dataSpec);
// The shipped generator of a method for a data spec ("fashion-mnist", "sid"); empty if none.
QString shippedGeneratorFor(const QString& dataSpec, const QString& method);
