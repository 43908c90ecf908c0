// Recoverable errors are values: Result<T> holds a T or an Error that names the input and position.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace nd {

struct Error {
  std::string message;  // "default/pods.json:12:5: expected ',' or '}'"
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace nd
