// Lets tests stream a Status into gtest messages: EXPECT_TRUE(r) << r.error();
#pragma once

#include <ostream>

#include "twin/core/status.h"

namespace twin {
inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}
}  // namespace twin
