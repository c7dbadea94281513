// The teachers that ship with OneStep Studio (models/*.pt, made by packaging/make_models.sh): where they are,
// and which one fits a data spec.
#pragma once

#include <QString>
#include <QVector>

struct ShippedTeacher {
  QString data;  // the data spec it was trained on, e.g. "toy:8gaussians"
  QString path;  // the exported checkpoint
};

// The models folder: $ONESTEP_MODELS_DIR when set (and then only it), else share/onestep/models beside the
// installed executable, else the source tree's models/ (a build that was not installed). Empty when none exists.
QString shippedModelsDir();
// Every shipped teacher, by data spec.
QVector<ShippedTeacher> shippedTeachers();
// The shipped teacher for a data spec (its options ignored: "toy:moons?n=5000" is "toy:moons"); empty if none.
QString shippedTeacherFor(const QString& dataSpec);
