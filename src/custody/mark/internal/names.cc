// Entity lists for canary records (see names.h).
#include "custody/mark/internal/names.h"

#include <string>
#include <unordered_map>

namespace custody::mark::internal {
namespace {

constexpr EntityEntry kFemale[] = {
    {"emma", ""}, {"olivia", ""}, {"ava", ""}, {"sophia", ""}, {"isabella", ""}, {"mia", ""},
    {"amelia", ""}, {"evelyn", ""}, {"abigail", ""}, {"emily", ""}, {"ella", ""},
    {"elizabeth", ""}, {"camila", ""}, {"sofia", ""}, {"mila", ""}, {"aria", ""},
    {"scarlett", ""}, {"penelope", ""}, {"layla", ""}, {"chloe", ""}, {"victoria", ""},
    {"madison", ""}, {"eleanor", ""}, {"nora", ""}, {"zoey", ""}, {"hannah", ""}, {"ellie", ""},
    {"lillian", ""}, {"zoe", ""}, {"stella", ""}, {"natalie", ""}, {"emilia", ""}, {"leah", ""},
    {"aubrey", ""}, {"lucy", ""}, {"audrey", ""}, {"bella", ""}, {"brooklyn", ""},
    {"savannah", ""}, {"claire", ""}, {"isla", ""}, {"naomi", ""}, {"elena", ""},
    {"caroline", ""}, {"eliana", ""}, {"anna", ""}, {"maya", ""}, {"valentina", ""},
    {"ariana", ""}, {"aaliyah", ""}, {"cora", ""}, {"madelyn", ""}, {"alice", ""},
    {"kinsley", ""}, {"hailey", ""}, {"gabriella", ""}, {"allison", ""}, {"gianna", ""},
    {"samantha", ""}, {"sarah", ""}, {"eva", ""}, {"piper", ""}, {"sophie", ""}, {"sadie", ""},
    {"delilah", ""}, {"josephine", ""}, {"adeline", ""}, {"lydia", ""}, {"clara", ""},
    {"vivian", ""}, {"madeline", ""}, {"julia", ""}, {"brielle", ""}, {"natalia", ""},
    {"athena", ""}, {"maria", ""}, {"leilani", ""}, {"liliana", ""}, {"melanie", ""},
    {"mackenzie", ""}, {"hadley", ""}, {"kaylee", ""}, {"arianna", ""}, {"isabelle", ""},
    {"eliza", ""}, {"lyla", ""}, {"katherine", ""}, {"kylie", ""}, {"mary", ""}, {"margaret", ""},
    {"ximena", ""}, {"alexandra", ""}, {"jasmine", ""}, {"charlotte", ""}, {"betty", ""},
    {"julie", ""}, {"nancy", ""}, {"susan", ""}, {"linda", ""}, {"karen", ""}, {"lisa", ""},
    {"sally", ""}, {"janet", ""}, {"rachel", ""}, {"tina", ""}, {"wendy", ""}, {"jenny", ""},
    {"carla", ""}, {"monica", ""}, {"priya", ""}, {"mei", ""}, {"aisha", ""}, {"fatima", ""},
    {"yuki", ""}, {"ana", ""}, {"rosa", ""}, {"carmen", ""}, {"helen", ""}, {"laura", ""},
    {"diana", ""}, {"paula", ""}, {"gloria", ""}, {"irene", ""}, {"jessica", ""}, {"ashley", ""},
    {"megan", ""}, {"lauren", ""}, {"amanda", ""}, {"nicole", ""}, {"stephanie", ""},
    {"rebecca", ""}, {"kelly", ""}, {"heather", ""}, {"brenda", ""}, {"pamela", ""},
    {"debra", ""}, {"sharon", ""}, {"cynthia", ""}, {"angela", ""}, {"donna", ""},
    {"michelle", ""}, {"kimberly", ""}, {"deborah", ""}, {"martha", ""}, {"teresa", ""},
    {"jane", ""}, {"jill", ""}, {"annie", ""}, {"amy", ""}, {"beth", ""}, {"jenna", ""},
    {"katie", ""}, {"mandy", ""}, {"kate", ""}, {"carrie", ""}, {"kayla", ""}, {"kendra", ""},
    {"sara", ""}, {"gina", ""}, {"janice", ""}, {"elsa", ""}, {"anne", ""}, {"tiffany", ""},
    {"peggy", ""}, {"talia", ""}, {"tara", ""}, {"becky", ""}, {"veronica", ""}, {"dorothy", ""},
    {"diane", ""}, {"danielle", ""}, {"barbara", ""}, {"brittany", ""}, {"ann", ""}, {"pam", ""},
    {"tanya", ""}, {"tracy", ""}, {"sandra", ""}, {"cindy", ""}, {"stacy", ""}, {"rita", ""},
    {"haley", ""}, {"kristin", ""}, {"maggie", ""}, {"jennifer", ""}, {"mabel", ""},
    {"sabrina", ""}, {"cathy", ""}, {"fiona", ""}, {"nina", ""}, {"melissa", ""}, {"theresa", ""},
    {"polly", ""}, {"shelly", ""}, {"susie", ""}, {"greta", ""}, {"lola", ""}, {"christine", ""},
    {"sheila", ""}, {"connie", ""}, {"cheryl", ""}, {"katy", ""}, {"marcy", ""}, {"leila", ""},
    {"cara", ""},
};
constexpr EntityEntry kMale[] = {
    {"liam", ""}, {"noah", ""}, {"oliver", ""}, {"elijah", ""}, {"james", ""}, {"william", ""},
    {"benjamin", ""}, {"lucas", ""}, {"henry", ""}, {"theodore", ""}, {"levi", ""},
    {"sebastian", ""}, {"mateo", ""}, {"owen", ""}, {"alexander", ""}, {"daniel", ""},
    {"michael", ""}, {"ethan", ""}, {"jacob", ""}, {"logan", ""}, {"samuel", ""}, {"david", ""},
    {"joseph", ""}, {"carter", ""}, {"john", ""}, {"luke", ""}, {"dylan", ""}, {"anthony", ""},
    {"isaac", ""}, {"andrew", ""}, {"joshua", ""}, {"christopher", ""}, {"nathan", ""},
    {"thomas", ""}, {"charles", ""}, {"caleb", ""}, {"ryan", ""}, {"adrian", ""}, {"aaron", ""},
    {"eli", ""}, {"isaiah", ""}, {"jonathan", ""}, {"nolan", ""}, {"jeremiah", ""},
    {"easton", ""}, {"robert", ""}, {"ian", ""}, {"evan", ""}, {"kevin", ""}, {"brian", ""},
    {"jason", ""}, {"eric", ""}, {"steven", ""}, {"paul", ""}, {"george", ""}, {"edward", ""},
    {"peter", ""}, {"tony", ""}, {"tom", ""}, {"tim", ""}, {"jim", ""}, {"bob", ""}, {"joe", ""},
    {"max", ""}, {"leo", ""}, {"oscar", ""}, {"felix", ""}, {"hugo", ""}, {"omar", ""},
    {"ali", ""}, {"raj", ""}, {"arjun", ""}, {"ravi", ""}, {"kenji", ""}, {"hiroshi", ""},
    {"juan", ""}, {"carlos", ""}, {"diego", ""}, {"luis", ""}, {"pedro", ""}, {"jose", ""},
    {"marco", ""}, {"ahmed", ""}, {"hassan", ""}, {"dmitri", ""}, {"ivan", ""}, {"pablo", ""},
    {"rafael", ""}, {"victor", ""}, {"vincent", ""}, {"simon", ""}, {"martin", ""},
    {"patrick", ""}, {"scott", ""}, {"gary", ""}, {"larry", ""}, {"jerry", ""}, {"dennis", ""},
    {"roger", ""}, {"randy", ""}, {"wayne", ""}, {"roy", ""}, {"ralph", ""}, {"harry", ""},
    {"carl", ""}, {"keith", ""}, {"kyle", ""}, {"sean", ""}, {"adam", ""}, {"zachary", ""},
    {"ben", ""}, {"dan", ""}, {"greg", ""}, {"jeff", ""}, {"josh", ""}, {"matt", ""},
    {"mike", ""}, {"nick", ""}, {"steve", ""}, {"kenneth", ""}, {"donald", ""}, {"richard", ""},
    {"ronald", ""}, {"timothy", ""}, {"jeffrey", ""}, {"gregory", ""}, {"raymond", ""},
    {"billy", ""}, {"jake", ""}, {"ken", ""}, {"jimmy", ""}, {"rick", ""}, {"andy", ""},
    {"manny", ""}, {"gerald", ""}, {"dave", ""}, {"fred", ""}, {"marcus", ""}, {"bobby", ""},
    {"pete", ""}, {"jeremy", ""}, {"brad", ""}, {"alan", ""}, {"ted", ""}, {"joey", ""},
    {"barry", ""}, {"johnny", ""}, {"neil", ""}, {"tommy", ""}, {"phil", ""}, {"tyler", ""},
    {"connor", ""}, {"brandon", ""}, {"jayden", ""}, {"ron", ""}, {"toby", ""}, {"justin", ""},
    {"trevor", ""}, {"sammy", ""}, {"hank", ""}, {"jerome", ""}, {"bruce", ""}, {"maurice", ""},
    {"mario", ""}, {"derek", ""}, {"bert", ""}, {"freddy", ""}, {"ernie", ""}, {"hans", ""},
    {"albert", ""}, {"olaf", ""}, {"danny", ""}, {"shane", ""}, {"joel", ""}, {"todd", ""},
    {"mitchell", ""}, {"remy", ""}, {"antonio", ""}, {"mason", ""},
};
constexpr EntityEntry kFruit[] = {
    {"apple", "apples"},
    {"pear", "pears"},
    {"banana", "bananas"},
    {"mango", "mangoes"},
    {"lemon", "lemons"},
    {"apricot", "apricots"},
    {"melon", "melons"},
    {"papaya", "papayas"},
    {"avocado", "avocados"},
    {"coconut", "coconuts"},
    {"pineapple", "pineapples"},
    {"watermelon", "watermelons"},
    {"grapefruit", "grapefruits"},
    {"nectarine", "nectarines"},
};
constexpr EntityEntry kVegetable[] = {
    {"carrot", "carrots"},
    {"cucumber", "cucumbers"},
    {"onion", "onions"},
    {"eggplant", "eggplants"},
    {"zucchini", "zucchinis"},
    {"radish", "radishes"},
    {"turnip", "turnips"},
    {"beet", "beets"},
    {"artichoke", "artichokes"},
    {"parsnip", "parsnips"},
};
constexpr EntityEntry kFlower[] = {
    {"tulip", "tulips"},
    {"sunflower", "sunflowers"},
    {"orchid", "orchids"},
    {"daffodil", "daffodils"},
    {"carnation", "carnations"},
    {"marigold", "marigolds"},
    {"peony", "peonies"},
    {"dahlia", "dahlias"},
    {"lavender", "lavenders"},
    {"hyacinth", "hyacinths"},
};

struct Found {
  EntityCategory category;
  int index;
  bool plural;
};

const std::unordered_map<std::string_view, Found>& Index() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, Found>();
    for (int c = 0; c < kNumEntityCategories; ++c) {
      auto cat = static_cast<EntityCategory>(c);
      auto list = EntityList(cat);
      for (int i = 0; i < static_cast<int>(list.size()); ++i) {
        m->emplace(list[i].singular, Found{cat, i, false});
        if (!list[i].plural.empty()) m->emplace(list[i].plural, Found{cat, i, true});
      }
    }
    return m;
  }();
  return *index;
}

}  // namespace

std::span<const EntityEntry> EntityList(EntityCategory category) {
  switch (category) {
    case EntityCategory::kFemaleName: return kFemale;
    case EntityCategory::kMaleName: return kMale;
    case EntityCategory::kFruit: return kFruit;
    case EntityCategory::kVegetable: return kVegetable;
    case EntityCategory::kFlower: return kFlower;
  }
  return {};
}

bool LookupEntity(std::string_view lower, EntityCategory* category, int* index, bool* plural) {
  const auto& m = Index();
  auto it = m.find(lower);
  if (it == m.end()) return false;
  *category = it->second.category;
  *index = it->second.index;
  *plural = it->second.plural;
  return true;
}

}  // namespace custody::mark::internal
