#include "python/embed/errors.hpp"

namespace mpmd::python::embed {

namespace {

std::string str_of(PyObject* o) {
  if (!o) return "";
  PyObject* s = PyObject_Str(o);
  if (!s) {
    PyErr_Clear();
    return "?";
  }
  const char* utf8 = PyUnicode_AsUTF8(s);
  std::string out = utf8 ? utf8 : "?";
  if (!utf8) PyErr_Clear();
  Py_DECREF(s);
  return out;
}

std::string attr_text(PyObject* o, const char* name) {
  PyObject* a = PyObject_GetAttrString(o, name);
  if (!a) {
    PyErr_Clear();
    return "";
  }
  std::string out = a == Py_None ? "" : str_of(a);
  Py_DECREF(a);
  return out;
}

}  // namespace

Failure take_error() {
  Failure f;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  if (!type) {
    f.summary = "unknown error";
    return f;
  }
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb && value) PyException_SetTraceback(value, tb);
  std::string name = reinterpret_cast<PyTypeObject*>(type)->tp_name;
  std::string message = str_of(value);
  std::string where;
  if (value && PyErr_GivenExceptionMatches(type, PyExc_SyntaxError)) {
    std::string file = attr_text(value, "filename");
    std::string line = attr_text(value, "lineno");
    std::string msg = attr_text(value, "msg");
    if (!file.empty()) where = file + ":" + line + ": ";
    if (!msg.empty()) message = msg;
  } else if (tb) {
    PyObject* last = tb;
    for (PyObject* next; (next = PyObject_GetAttrString(last, "tb_next")) && next != Py_None;) {
      Py_DECREF(next);
      last = next;  // stays alive through the chain
    }
    PyErr_Clear();
    PyObject* frame = PyObject_GetAttrString(last, "tb_frame");
    PyObject* code = frame ? PyObject_GetAttrString(frame, "f_code") : nullptr;
    if (code) where = attr_text(code, "co_filename") + ":" + attr_text(last, "tb_lineno") + ": ";
    Py_XDECREF(code);
    Py_XDECREF(frame);
    PyErr_Clear();
  }
  f.summary = where + name + ": " + message;
  PyObject* module = PyImport_ImportModule("traceback");
  PyObject* lines = module ? PyObject_CallMethod(module, "format_exception", "OOO", type,
                                                 value ? value : Py_None, tb ? tb : Py_None)
                           : nullptr;
  if (lines && PyList_Check(lines)) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); ++i) {
      std::string chunk = str_of(PyList_GET_ITEM(lines, i));
      size_t start = 0;
      while (start < chunk.size()) {
        size_t nl = chunk.find('\n', start);
        if (nl == std::string::npos) nl = chunk.size();
        if (nl > start) f.traceback.push_back(chunk.substr(start, nl - start));
        start = nl + 1;
      }
    }
  } else {
    PyErr_Clear();
    f.traceback.push_back(f.summary);
  }
  Py_XDECREF(lines);
  Py_XDECREF(module);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
  return f;
}

}  // namespace mpmd::python::embed
