#include "apps/cli/vault_open.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <iostream>

#include "apps/cli/cli.h"
#include "apps/cli/config.h"

namespace custody::cli {
namespace {

Result<std::string> PromptNoEcho(const char* prompt) {
  if (::isatty(0) != 1) {
    return UnauthenticatedError("--passphrase: set CUSTODY_PASSPHRASE or run on a terminal to be prompted");
  }
  std::cerr << prompt << std::flush;
  termios old{};
  ::tcgetattr(0, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(0, TCSANOW, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(0, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

// The first line of file descriptor `fd` (without its line end).
Result<std::string> ReadPassphraseFd(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < 4096) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return UnauthenticatedError("--passphrase-fd " + std::to_string(fd) + ": cannot read: " +
                                  std::strerror(errno));
    }
    if (n == 0 || c == '\n') break;
    line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return UnauthenticatedError("--passphrase-fd " + std::to_string(fd) + ": the passphrase is empty");
  }
  return line;
}

}  // namespace

Result<std::string> ReadPassphrase(bool confirm) {
  if (Globals().passphrase_fd >= 0) return ReadPassphraseFd(Globals().passphrase_fd);
  if (const char* p = std::getenv("CUSTODY_PASSPHRASE"); p != nullptr && *p != '\0') return std::string(p);
  CUSTODY_ASSIGN_OR_RETURN(std::string a, PromptNoEcho("custody passphrase: "));
  if (a.empty()) return UnauthenticatedError("--passphrase: the passphrase is empty");
  if (confirm) {
    CUSTODY_ASSIGN_OR_RETURN(std::string b, PromptNoEcho("repeat passphrase: "));
    if (a != b) return InvalidArgumentError("--passphrase: the two passphrases differ");
  }
  return a;
}

Result<store::KeyOptions> KeyOptionsFromFlags(bool confirm_passphrase) {
  store::KeyOptions k;
  k.key_file = Globals().key_file;
  if (const char* e = std::getenv("CUSTODY_KEY_FILE"); k.key_file.empty() && (e == nullptr || *e == '\0')) {
    k.key_file = ConfigKeyFile();  // below the flag and the environment
  }
  if (Globals().passphrase || Globals().passphrase_fd >= 0) {
    CUSTODY_ASSIGN_OR_RETURN(std::string p, ReadPassphrase(confirm_passphrase));
    k.passphrase = crypto::SecretBytes::FromBytes(p);
    std::fill(p.begin(), p.end(), '\0');  // the plain copy does not outlive this call
  }
  return k;
}

Result<std::unique_ptr<core::Custody>> OpenVault(bool need_key) {
  core::OpenOptions o;
  o.without_key = !need_key;
  if (need_key) {
    CUSTODY_ASSIGN_OR_RETURN(o.keys, KeyOptionsFromFlags(false));
  }
  return core::OpenVault(VaultPath(), std::move(o));
}

}  // namespace custody::cli
