// The custody version, as `custody --version` prints it and reports carry it.
// Keep equal to the project VERSION in the top-level CMakeLists.txt.
#pragma once

namespace custody {

inline constexpr char kCustodyVersion[] = "0.1.0";

}  // namespace custody
