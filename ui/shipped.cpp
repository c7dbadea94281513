#include "shipped.h"

#include <onestep/shipped.h>

#include <exception>

QString shippedModelsDir() { return QString::fromStdString(onestep::shippedModelsDir()); }

QVector<ShippedEntry> shippedModels() {
  QVector<ShippedEntry> out;
  std::vector<onestep::ShippedModel> all;
  try {
    all = onestep::shippedModels();
  } catch (const std::exception&) {
    return out;  // a damaged list offers nothing; `onestep models` names the problem
  }
  for (const auto& m : all) {
    ShippedEntry e;
    e.name = QString::fromStdString(m.name);
    e.kind = QString::fromStdString(m.kind);
    e.method = QString::fromStdString(m.method);
    e.data = QString::fromStdString(m.data);
    e.path = QString::fromStdString(m.file);
    e.figure = m.metric == "fid" ? QStringLiteral("FID %1 at %2 NFE").arg(m.value, 0, 'f', 2).arg(m.nfe)
                                 : QStringLiteral("energy distance %1 at %2 NFE").arg(m.value, 0, 'f', 4).arg(m.nfe);
    out.append(e);
  }
  return out;
}

namespace {
QString dataOf(const QString& spec) { return spec.section(QLatin1Char('?'), 0, 0).trimmed(); }
}  // namespace

QString shippedTeacherFor(const QString& dataSpec) {
  for (const ShippedEntry& e : shippedModels())
    if (e.kind == QLatin1String("teacher") && e.data == dataOf(dataSpec)) return e.path;
  return {};
}

QString shippedGeneratorFor(const QString& dataSpec, const QString& method) {
  for (const ShippedEntry& e : shippedModels())
    if (e.kind == QLatin1String("generator") && e.method == method && e.data == dataOf(dataSpec)) return e.path;
  return {};
}
