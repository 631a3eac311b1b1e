// Unit tests for dsl/location.hpp, dsl/identifier.hpp and dsl/spec_value.hpp: how a place in a
// file is printed, which names are identifiers, and the spec tree's conversions.
#include <doctest/doctest.h>

#include <string>

#include "dsl/diagnostics.hpp"
#include "dsl/identifier.hpp"
#include "dsl/location.hpp"
#include "dsl/spec_value.hpp"

using rnc::Location;

TEST_CASE("location: a JSON pointer, a line:column and the whole file, as text and in a diagnostic") {
  const Location pointer("/stages/2/layers/0");
  CHECK(pointer.to_string() == "/stages/2/layers/0");
  CHECK(pointer.in_file("spec.json") == "spec.json: /stages/2/layers/0");
  const Location at = Location::line_column(12, 5);
  CHECK(at.to_string() == "12:5");
  CHECK(at.in_file("spec.rn") == "spec.rn:12:5");
  CHECK(Location().in_file("spec.json") == "spec.json");

  rnc::Diagnostics diags;
  diags.error("", "missing required key \"stages\" (an array of stages)");
  diags.error(at, "expected a value");
  diags.error("tensor \"0.weight\"", "missing");
  CHECK(diags.format("f") ==
        "f: missing required key \"stages\" (an array of stages)\nf:12:5: expected a value\n"
        "f: tensor \"0.weight\": missing");
}

TEST_CASE("location: a child of a JSON pointer escapes '~' and '/'; a line:column has no finer place") {
  CHECK(Location("/stages/0").child("a/b~c").to_string() == "/stages/0/a~1b~0c");
  CHECK(Location("/stages").child(std::size_t{3}).to_string() == "/stages/3");
  CHECK(Location::line_column(4, 6).child("kernel") == Location::line_column(4, 6));
}

TEST_CASE("diagnostics: a Mute drops errors while it lives, and only when asked to") {
  rnc::Diagnostics diags;
  {
    const rnc::Diagnostics::Mute mute(diags, true);
    diags.error("/a", "dropped");
  }
  {
    const rnc::Diagnostics::Mute mute(diags, false);
    diags.error("/b", "kept");
  }
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items().front().what == "kept");
}

TEST_CASE("identifier: [A-Za-z_][A-Za-z0-9_]*, ASCII only") {
  for (const char* good : {"a", "_", "resnet18", "B_3", "_9"}) CHECK(rnc::is_identifier(good));
  for (const char* bad : {"", "9lives", "b3.0", "a-b", "a b", "\xc3\xa9t\xc3\xa9", "a$"})
    CHECK_FALSE(rnc::is_identifier(bad));
  CHECK(rnc::is_identifier(std::string(100000, 'a')));  // a loop, no recursion per character
}

TEST_CASE("spec value: describe names the type as messages need it; to_json keeps the key order") {
  using rnc::SpecValue;
  SpecValue doc = SpecValue::object_at(Location::line_column(1, 1));
  doc.add("z", SpecValue::scalar_at("x", {}));
  SpecValue list = SpecValue::array_at({});
  list.items.push_back(SpecValue::scalar_at(1.5, {}));
  doc.add("a", std::move(list));
  CHECK(rnc::to_json(doc).dump() == R"({"z":"x","a":[1.5]})");
  CHECK(rnc::describe(*doc.find("z")) == "the string \"x\"");
  CHECK(rnc::describe(*doc.find("a")) == "an array");
  CHECK(rnc::describe(SpecValue::array_at({})) == "an empty array");
  CHECK(rnc::describe(doc) == "an object");
  CHECK(rnc::describe(SpecValue::scalar_at(nullptr, {})) == "null");
  CHECK(rnc::describe(SpecValue::scalar_at(true, {})) == "the boolean true");
  CHECK(doc.find("missing") == nullptr);
}

TEST_CASE("spec value: a value nested 200000 levels deep is destroyed without a recursion per level") {
  rnc::SpecValue root = rnc::SpecValue::array_at({});
  rnc::SpecValue* inner = &root;
  for (int i = 0; i < 200000; ++i) {
    inner->items.push_back(rnc::SpecValue::array_at({}));
    inner = &inner->items.back();
  }
  CHECK(root.items.size() == 1);
}  // root's destructor runs here
