// The custody log event types written by core/audit (docs/formats/log.md,
// docs/audit.md): a questionnaire submission, a deletion certificate, a
// dataset's sensitivity tier. Thread-safety: constants.
#pragma once

namespace custody::core::audit {

inline constexpr char kAuditEvent[] = "audit";
inline constexpr char kDeletionEvent[] = "deletion";
inline constexpr char kSensitivityEvent[] = "dataset.sensitivity";

}  // namespace custody::core::audit
