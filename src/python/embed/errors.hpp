// Python exceptions as the server reports them: the traceback's lines for
// the error log, and a one-line summary with the Python file and line.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <vector>

namespace mpmd::python::embed {

struct Failure {
  // "FILE:LINE: Type: message" (a SyntaxError's own file and line, else the
  // innermost frame's), or "Type: message" without a frame.
  std::string summary;
  std::vector<std::string> traceback;  // traceback.format_exception(), line by line
};

// Takes (and clears) the current Python error. GIL held.
Failure take_error();

}  // namespace mpmd::python::embed
