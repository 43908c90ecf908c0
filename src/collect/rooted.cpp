#include "collect/rooted.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace nd::collect {
namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += "/" + parts[i];
  return s.empty() ? "/" : s;
}

}  // namespace

std::string join_root(const std::string& root, const std::string& path) {
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r == "/" || r.empty()) return path.empty() || path[0] != '/' ? "/" + path : path;
  return r + (path.empty() || path[0] != '/' ? "/" : "") + path;
}

Result<std::string> resolve_in_root(const std::string& root, const std::string& path) {
  std::vector<std::string> todo = components(path);
  std::vector<std::string> done;
  int links = 0;
  size_t i = 0;
  while (i < todo.size()) {
    const std::string& c = todo[i];
    if (c == ".") {
      ++i;
      continue;
    }
    if (c == "..") {  // never above the root
      if (!done.empty()) done.pop_back();
      ++i;
      continue;
    }
    done.push_back(c);
    std::string real = join_root(root, join(done, done.size()));
    struct stat st;
    if (::lstat(real.c_str(), &st) != 0) return Error{path + ": " + std::strerror(errno)};
    if (S_ISLNK(st.st_mode)) {
      if (++links > 40) return Error{path + ": too many levels of symbolic links"};
      char buf[4096];
      ssize_t n = ::readlink(real.c_str(), buf, sizeof buf - 1);
      if (n < 0) return Error{path + ": readlink: " + std::strerror(errno)};
      std::string target(buf, static_cast<size_t>(n));
      done.pop_back();
      std::vector<std::string> rest(todo.begin() + static_cast<long>(i) + 1, todo.end());
      std::vector<std::string> t = components(target);
      if (!target.empty() && target[0] == '/') done.clear();
      todo = t;
      todo.insert(todo.end(), rest.begin(), rest.end());
      // Restart over the new list, keeping what is already resolved in `done`.
      i = 0;
      continue;
    }
    ++i;
  }
  return join(done, done.size());
}

Result<RootedFile> read_in_root(const std::string& root, const std::string& path, uint64_t max_bytes) {
  RootedFile f;
  f.path = path;
  // Record the chain of links for the manifest (a resolv.conf that points into systemd-resolved
  // says much about where its nameservers come from).
  auto res = resolve_in_root(root, path);
  if (!res) return res.error();
  std::string cur = *res;
  if (cur != path) f.links.push_back(path + " -> " + cur);
  f.resolved = cur;
  std::string real = join_root(root, cur);
  struct stat st;
  if (::stat(real.c_str(), &st) != 0) return Error{path + ": " + std::strerror(errno)};
  if (S_ISDIR(st.st_mode)) return Error{path + ": is a directory"};
  if (!S_ISREG(st.st_mode)) return Error{path + ": not a regular file"};
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return Error{path + ": larger than " + std::to_string(max_bytes) + " bytes"};
  std::ifstream in(real, std::ios::binary);
  if (!in) return Error{path + ": " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{path + ": read error"};
  f.text = ss.str();
  return f;
}

}  // namespace nd::collect
