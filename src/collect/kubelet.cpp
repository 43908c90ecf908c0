#include "collect/kubelet.h"

#include <dirent.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace nd::collect {

KubeletFlags parse_kubelet_cmdline(const std::vector<std::string>& argv) {
  KubeletFlags f;
  auto take = [&](size_t& i, std::string_view flag, std::string* out) {
    const std::string& a = argv[i];
    for (std::string_view dashes : {"--", "-"}) {
      std::string name = std::string(dashes) + std::string(flag);
      if (a == name && i + 1 < argv.size()) {
        *out = argv[++i];
        return true;
      }
      if (a.rfind(name + "=", 0) == 0) {
        *out = a.substr(name.size() + 1);
        return true;
      }
    }
    return false;
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string v;
    if (take(i, "config", &v))
      f.config = v;
    else if (take(i, "resolv-conf", &v))
      f.resolv_conf = v;
  }
  return f;
}

Result<std::optional<std::string>> kubelet_config_resolv_conf(std::string_view yaml, std::string_view label) {
  try {
    YAML::Node doc = YAML::Load(std::string(yaml));
    if (!doc.IsMap()) return std::optional<std::string>{};
    YAML::Node rc = doc["resolvConf"];
    if (!rc) return std::optional<std::string>{};
    if (rc.IsNull()) return std::optional<std::string>{std::string()};
    if (!rc.IsScalar()) return Error{std::string(label) + ": resolvConf is not a string"};
    return std::optional<std::string>{rc.as<std::string>()};
  } catch (const YAML::Exception& e) {
    return Error{std::string(label) + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg};
  }
}

std::optional<std::vector<std::string>> find_kubelet_cmdline(const std::string& proc_root) {
  DIR* d = ::opendir(proc_root.c_str());
  if (!d) return std::nullopt;
  std::optional<std::vector<std::string>> found;
  while (dirent* e = ::readdir(d)) {
    std::string pid = e->d_name;
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream comm(proc_root + "/" + pid + "/comm");
    std::string name;
    if (!std::getline(comm, name) || name != "kubelet") continue;
    std::ifstream cmd(proc_root + "/" + pid + "/cmdline", std::ios::binary);
    std::stringstream ss;
    ss << cmd.rdbuf();
    std::string all = ss.str();
    std::vector<std::string> argv;
    size_t start = 0;
    while (start < all.size()) {
      size_t end = all.find('\0', start);
      if (end == std::string::npos) end = all.size();
      argv.push_back(all.substr(start, end - start));
      start = end + 1;
    }
    if (!argv.empty()) {
      found = argv;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace nd::collect
