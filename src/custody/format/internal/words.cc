#include "custody/format/internal/words.h"

namespace custody::format::internal {

const std::string_view kCommonWords =
    "the of and to a in is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there one all we their been has when who will "
    "more no if out so said what up its about into than them can only other new some could "
    "time these two may then do first any my now such like our over man me even most made "
    "after also did many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world still own see "
    "men work long get here between both life being under never day same another know while "
    "last might us great old year off come since against go came right used take three "
    "states himself few house use during without again place american around however home "
    "small found thought went say part once general high upon school every does got united "
    "left number course war until always away something fact though water less public put "
    "think almost hand enough far took head yet government system better set told nothing "
    "night end why called didn eyes find going look asked later knew point next program city "
    "business give group toward young days let room president side social given present "
    "several order national possible rather second face per among form important often things "
    "looked early white case john become large big need four within felt along children saw "
    "best church ever least power development light thing seemed family interest want members "
    "mind country area others done turned although open god service certain kind problem "
    "began different door thus help sense means whole matter perhaps itself york times law "
    "human line above name example action company hands local show five history whether gave "
    "either today act feet across taken past quite anything having seen death experience body "
    "word half really field am car words already themselves information tell together college "
    "shall money period held keep sure free seems real behind cannot miss political air "
    "question making office brought whose special major heard problems ago became federal "
    "moment study available known result street economic boy position reason change south "
    "board individual job society areas west close turn love community true court force full "
    "seem am age wife future voice center woman control common necessary following front "
    "sometimes policy six clear able land table private rate says future road further "
    "period report washington effect value data today level someone nature surface cost "
    "answer music book market plan test light paper stone energy student teacher garden "
    "apple river mountain forest ocean island village kitchen recipe bread cheese coffee "
    "tea sugar salt butter flour oven minute hour week month morning evening afternoon "
    "weekend holiday train station ticket journey bridge tower castle museum library "
    "language science physics chemistry biology geometry algebra fraction percent total "
    "average distance speed price dollar cent profit budget salary store shop customer "
    "friend neighbor brother sister mother father daughter son child baby doctor nurse "
    "farmer driver writer painter engineer scientist student player team game match score "
    "ball field season summer winter spring autumn rain snow wind cloud sun moon star "
    "planet earth animal dog cat horse bird fish tree flower leaf seed grass fruit orange "
    "banana grape lemon carrot potato tomato onion rice soup meal dinner lunch breakfast "
    "cake cookie pie candy chocolate milk juice water bottle glass cup plate bowl spoon "
    "knife fork chair desk window wall floor roof key box bag shirt shoe hat coat dress "
    "pocket button phone computer screen keyboard email message letter story poem song "
    "movie picture camera photo color shape size number pattern rule idea reason method "
    "process result evidence theory model design structure function value variable "
    "equation problem solution step example question answer lesson chapter page note "
    "careful quick slow bright dark warm cold quiet loud happy sad calm busy simple "
    "complex early late easy hard strong weak rich poor fresh clean heavy light narrow "
    "wide deep shallow ancient modern famous common rare useful helpful honest gentle "
    "explain describe compare calculate estimate measure count divide multiply subtract "
    "add share borrow spend save earn pay buy sell bake cook boil mix pour cut build "
    "paint draw write read learn teach study practice remember forget imagine believe "
    "decide choose prefer enjoy visit travel arrive leave return carry bring send receive "
    "finish start continue stop wait walk run jump swim climb ride drive fly sleep wake "
    "laugh smile cry sing dance play win lose try hope wish plan prepare improve increase "
    "reduce change grow develop create produce protect support allow avoid include involve "
    "consider suggest provide require contain represent explain apply identify discuss "
    "summarize analyze evaluate organize translate correct check review list outline "
    "because therefore however although meanwhile instead otherwise finally usually "
    "probably certainly clearly simply exactly nearly especially quickly slowly carefully";

const std::string_view kPersonNames =
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa "
    "Anthony Betty Mark Sandra Paul Ashley Steven Emily Andrew Donna Joshua Michelle Kevin "
    "Carol Brian Amanda George Melissa Tim Deborah Olivia Liam Emma Noah Ava Sophia Mia "
    "Lucas Amelia Ethan Harper Aisha Omar Fatima Ahmed Priya Arjun Ananya Rohan Mei Wei "
    "Hiroshi Yuki Kenji Sakura Min-jun Ji-woo Chen Li Nguyen Thanh Kwame Amara Chidi "
    "Ngozi Tariq Leila Diego Sofía José María Lucía Mateo Valentina Zoë Chloé Renée André "
    "François Amélie Björn Søren Åsa Jürgen Müller Łukasz Małgorzata Dvořák Ines Joaquín "
    "Niamh Siobhán Seán Eilidh";

const std::string_view kPluralItems =
    "apples oranges marbles stickers pencils books cookies cupcakes eggs tickets coins "
    "stamps flowers seashells crayons toys cards muffins sandwiches bottles plants candles "
    "baskets shirts notebooks balloons cherries strawberries pies";

const std::string_view kContractions =
    "don't it's can't won't I'm you're they're isn't doesn't we'll that's let's didn't "
    "wasn't aren't couldn't shouldn't wouldn't I've we've there's he's she's what's I'd";

const std::string_view kBritishSpellings =
    "colour favourite organise centre analyse travelled grey theatre defence licence "
    "realise behaviour neighbour honour labour flavour catalogue metre litre cheque "
    "programme jewellery apologise recognise humour";

const std::string_view kAmericanSpellings =
    "color favorite organize center analyze traveled gray theater defense license "
    "realize behavior neighbor honor labor flavor catalog meter liter check "
    "program jewelry apologize recognize humor";

const std::string_view kNonAsciiWords =
    "café naïve résumé façade jalapeño piñata crème brûlée déjà vu Zürich São_Paulo "
    "Kraków Málaga Reykjavík Øresund Besançon Köln Ελλάδα Москва 東京 北京 大阪 "
    "こんにちは ありがとう 数据 学习 你好 서울 감사합니다 €20 25°C ½ naïveté coöperate";

const std::string_view kTopics =
    "math science history cooking travel programming health literature finance sports "
    "music art geography language economics";

const std::string_view kSubjects =
    "photosynthesis the_water_cycle compound_interest the_French_Revolution plate_tectonics "
    "binary_search supply_and_demand the_immune_system renewable_energy prime_numbers "
    "the_Roman_Empire machine_learning climate_change the_printing_press black_holes "
    "sourdough_baking the_stock_market vaccines the_Pythagorean_theorem recursion "
    "the_Silk_Road ocean_tides inflation the_human_heart probability electric_circuits "
    "the_Renaissance glaciers fractions the_periodic_table";

}  // namespace custody::format::internal
