#include "app_icon.h"

QIcon applicationIcon(const QString& appId) {
  // ui/CMakeLists.txt draws the package's SVG at 256 px into this resource.
  return QIcon::fromTheme(appId, QIcon(QStringLiteral(":/icons/onestep-studio.png")));
}
