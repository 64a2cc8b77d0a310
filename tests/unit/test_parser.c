/* test_parser.c - the front end: lexer, parser, tree dumps and diagnostics.
 *
 * Programs are parsed from strings (source_from_string + parse_program);
 * trees are compared through ast_dump, diagnostics through the text printed
 * to src->out (an open_memstream). The seed notes' Scala examples are kept
 * as written, minus the SparkConf / StreamingContext construction lines.
 * The last case feeds a few thousand mutated programs and random bytes to
 * the parser: it must return, and report something whenever it fails.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parse.h"
#include "source.h"
#include "unit.h"

/* ===================================================================== */
/* Helpers                                                               */
/* ===================================================================== */

typedef struct parsed {
    char *dump;  /* ast_dump of the result ("" if NULL) */
    char *diags; /* everything the parser printed */
    int errors;
} parsed;

static parsed parse_bytes(const char *text, size_t len) {
    parsed p = {0};
    size_t dlen = 0, glen = 0;
    FILE *diags = open_memstream(&p.diags, &glen);
    source *src = source_from_string("test.stream", text, len);
    src->out = diags;
    ast_pool *pool = ast_pool_new();
    ast *prog = parse_program(src, pool);
    FILE *dump = open_memstream(&p.dump, &dlen);
    if (prog)
        ast_dump(dump, prog);
    fclose(dump);
    fclose(diags);
    p.errors = src->errors;
    ast_pool_free(pool);
    source_free(src);
    return p;
}

static parsed parse_text(const char *text) {
    return parse_bytes(text, strlen(text));
}

static void parsed_free(parsed *p) {
    free(p->dump);
    free(p->diags);
}

/* Compare, and show both texts when they differ. */
static int same_text(const char *what, const char *got, const char *want) {
    if (strcmp(got, want) == 0)
        return 1;
    fprintf(stderr, "\n--- %s expected:\n%s--- got:\n%s---\n", what, want, got);
    return 0;
}

/* `text` parses without any diagnostic to exactly the tree `want`. */
#define ASSERT_TREE(text, want)                                                \
    do {                                                                       \
        parsed p_ = parse_text(text);                                          \
        CU_ASSERT_EQUAL(p_.errors, 0);                                         \
        CU_ASSERT_STRING_EQUAL(p_.diags, "");                                  \
        CU_ASSERT(same_text("tree", p_.dump, want));                           \
        parsed_free(&p_);                                                      \
    } while (0)

/* `text` is rejected with exactly the diagnostics `want`. */
#define ASSERT_DIAGS(text, nerrors, want)                                      \
    do {                                                                       \
        parsed p_ = parse_text(text);                                          \
        CU_ASSERT_EQUAL(p_.errors, nerrors);                                   \
        CU_ASSERT(same_text("diagnostics", p_.diags, want));                   \
        parsed_free(&p_);                                                      \
    } while (0)

/* `text` parses cleanly and its tree contains each of the NULL-terminated
 * fragments. */
static void assert_contains(const char *text, const char *const *fragments) {
    parsed p = parse_text(text);
    CU_ASSERT_EQUAL(p.errors, 0);
    if (p.errors)
        fprintf(stderr, "\n%s", p.diags);
    for (int i = 0; fragments[i]; i++) {
        int found = strstr(p.dump, fragments[i]) != NULL;
        CU_ASSERT(found);
        if (!found)
            fprintf(stderr, "\nmissing from the tree: %s\n", fragments[i]);
    }
    parsed_free(&p);
}

/* Parse `text` and return the first node of `kind` met in a pre-order walk
 * of the tree (for location checks). The pool is returned for freeing. */
static ast *find_kind(ast *n, ast_kind kind) {
    if (!n)
        return NULL;
    if (n->kind == kind)
        return n;
    ast *kids[] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++) {
        ast *f = find_kind(kids[i], kind);
        if (f)
            return f;
    }
    for (int i = 0; i < n->list.len; i++) {
        ast *f = find_kind(n->list.items[i], kind);
        if (f)
            return f;
    }
    return NULL;
}

/* The source text a node covers. */
static int covers(const char *text, ast *n, const char *want) {
    if (!n)
        return 0;
    size_t len = (size_t)(n->loc.end - n->loc.start);
    int ok = len == strlen(want) && memcmp(text + n->loc.start, want, len) == 0;
    if (!ok)
        fprintf(stderr, "\nnode %s covers '%.*s', expected '%s'\n", ast_kind_name(n->kind),
                (int)len, text + n->loc.start, want);
    return ok;
}

/* ===================================================================== */
/* The seed notes' examples and LANGUAGE.md                              */
/* ===================================================================== */

/* LANGUAGE.md section 1: the complete program. */
static void test_language_example(void) {
    ASSERT_TREE(
        "// Word count over a TCP socket, one result every 5 seconds.\n"
        "app \"NetworkWordCount\"\n"
        "batch 5s                       // batch interval (Durations.seconds(5))\n"
        "master \"local[2]\"              // worker threads; the receiver never needs one\n"
        "\n"
        "val lines = ssc.socketTextStream(\"localhost\", 9999)\n"
        "val words = lines.flatMap(line => line.split(\" \"))\n"
        "val pairs = words.map(w => (w, 1))\n"
        "val counts = pairs.reduceByKey((a, b) => a + b)\n"
        "counts.print(100)\n",
        "(program\n"
        "  (setting app\n"
        "    (string \"NetworkWordCount\"))\n"
        "  (setting batch\n"
        "    (duration 5000ms))\n"
        "  (setting master\n"
        "    (string \"local[2]\"))\n"
        "  (val lines\n"
        "    (call\n"
        "      (select socketTextStream\n"
        "        (ident ssc))\n"
        "      (string \"localhost\")\n"
        "      (int 9999)))\n"
        "  (val words\n"
        "    (call\n"
        "      (select flatMap\n"
        "        (ident lines))\n"
        "      (lambda [line]\n"
        "        (call\n"
        "          (select split\n"
        "            (ident line))\n"
        "          (string \" \")))))\n"
        "  (val pairs\n"
        "    (call\n"
        "      (select map\n"
        "        (ident words))\n"
        "      (lambda [w]\n"
        "        (tuple\n"
        "          (ident w)\n"
        "          (int 1)))))\n"
        "  (val counts\n"
        "    (call\n"
        "      (select reduceByKey\n"
        "        (ident pairs))\n"
        "      (lambda [a, b]\n"
        "        (binary +\n"
        "          (ident a)\n"
        "          (ident b)))))\n"
        "  (call\n"
        "    (select print\n"
        "      (ident counts))\n"
        "    (int 100)))\n");
}

/* 1.2: socket word count, with the foreachRDD variant. */
static void test_seed_socket_wordcount(void) {
    ASSERT_TREE(
        "ssc.sparkContext.setLogLevel(\"Error\")\n"
        "//val sc = new SparkContext(conf)\n"
        "//val ssc = new StreamingContext(sc,Durations.seconds(5))\n"
        " //sc.setLogLevel(\"Error\")\n"
        "val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "\n"
        "val words: DStream[String] = lines.flatMap(one=>{one.split(\" \")})\n"
        "val pairWords: DStream[(String, Int)] = words.map(one=>{(one,1)})\n"
        "val result: DStream[(String, Int)] = pairWords.reduceByKey((v1:Int, v2:Int)=>{v1+v2})\n"
        "//result.print(100)       \n"
        "\n"
        "result.foreachRDD(wordCountRDD=>{\n"
        "\n"
        "      println(\"******* produce in Driver *******\")\n"
        "\n"
        "      val sortRDD: RDD[(String, Int)] = wordCountRDD.sortByKey(false)\n"
        "      val result: RDD[(String, Int)] = sortRDD.filter(tp => {\n"
        "        println(\"******* produce in Executor *******\")\n"
        "        true\n"
        "      })\n"
        "      result.count()\n"
        "    })\n"
        "\n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "//ssc.stop(stopSparkContext= false)\n",
        "(program\n"
        "  (call\n"
        "    (select setLogLevel\n"
        "      (select sparkContext\n"
        "        (ident ssc)))\n"
        "    (string \"Error\"))\n"
        "  (val lines: ReceiverInputDStream[String]\n"
        "    (call\n"
        "      (select socketTextStream\n"
        "        (ident ssc))\n"
        "      (string \"node4\")\n"
        "      (int 9999)))\n"
        "  (val words: DStream[String]\n"
        "    (call\n"
        "      (select flatMap\n"
        "        (ident lines))\n"
        "      (lambda [one]\n"
        "        (block\n"
        "          (call\n"
        "            (select split\n"
        "              (ident one))\n"
        "            (string \" \"))))))\n"
        "  (val pairWords: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select map\n"
        "        (ident words))\n"
        "      (lambda [one]\n"
        "        (block\n"
        "          (tuple\n"
        "            (ident one)\n"
        "            (int 1))))))\n"
        "  (val result: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select reduceByKey\n"
        "        (ident pairWords))\n"
        "      (lambda [v1: Int, v2: Int]\n"
        "        (block\n"
        "          (binary +\n"
        "            (ident v1)\n"
        "            (ident v2))))))\n"
        "  (call\n"
        "    (select foreachRDD\n"
        "      (ident result))\n"
        "    (lambda [wordCountRDD]\n"
        "      (block\n"
        "        (call\n"
        "          (ident println)\n"
        "          (string \"******* produce in Driver *******\"))\n"
        "        (val sortRDD: RDD[(String, Int)]\n"
        "          (call\n"
        "            (select sortByKey\n"
        "              (ident wordCountRDD))\n"
        "            (bool false)))\n"
        "        (val result: RDD[(String, Int)]\n"
        "          (call\n"
        "            (select filter\n"
        "              (ident sortRDD))\n"
        "            (lambda [tp]\n"
        "              (block\n"
        "                (call\n"
        "                  (ident println)\n"
        "                  (string \"******* produce in Executor *******\"))\n"
        "                (bool true)))))\n"
        "        (call\n"
        "          (select count\n"
        "            (ident result))))))\n"
        "  (call\n"
        "    (select start\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select awaitTermination\n"
        "      (ident ssc))))\n");
}

/* 2.2: updateStateByKey with a block lambda (var, if, for, +=). */
static void test_seed_update_state(void) {
    ASSERT_TREE(
        "ssc.sparkContext.setLogLevel(\"ERROR\")\n"
        "val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "\n"
        "    val words: DStream[String] = lines.flatMap(line=>{line.split(\" \")})\n"
        "    val pairWords: DStream[(String, Int)] = words.map(word => {(word, 1)})\n"
        "\n"
        "//ssc.checkpoint(\"./data/streamingCheckpoint\")\n"
        "ssc.sparkContext.setCheckpointDir(\"./data/streamingCheckpoint\")\n"
        "\n"
        "\t/**\n"
        "      * currentValues :当前批次某个 key 对应所有的value 组成的一个集合 Seq[]\n"
        "      * preValue : 以往批次当前key 对应的总状态值Option[]\n"
        "      */\n"
        " \n"
        "val result: DStream[(String, Int)] = pairWords.updateStateByKey((currentValues: Seq[Int], preValue: Option[Int]) => {\n"
        "      var totalValues = 0\n"
        "      if (!preValue.isEmpty) {\n"
        "        totalValues += preValue.get\n"
        "      }\n"
        "      for(value <- currentValues){\n"
        "        totalValues += value\n"
        "      }\n"
        "\n"
        "      Option(totalValues)\n"
        "    })\n"
        "   \n"
        "result.print()\n"
        "\n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "ssc.stop()\n",
        "(program\n"
        "  (call\n"
        "    (select setLogLevel\n"
        "      (select sparkContext\n"
        "        (ident ssc)))\n"
        "    (string \"ERROR\"))\n"
        "  (val lines: ReceiverInputDStream[String]\n"
        "    (call\n"
        "      (select socketTextStream\n"
        "        (ident ssc))\n"
        "      (string \"node4\")\n"
        "      (int 9999)))\n"
        "  (val words: DStream[String]\n"
        "    (call\n"
        "      (select flatMap\n"
        "        (ident lines))\n"
        "      (lambda [line]\n"
        "        (block\n"
        "          (call\n"
        "            (select split\n"
        "              (ident line))\n"
        "            (string \" \"))))))\n"
        "  (val pairWords: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select map\n"
        "        (ident words))\n"
        "      (lambda [word]\n"
        "        (block\n"
        "          (tuple\n"
        "            (ident word)\n"
        "            (int 1))))))\n"
        "  (call\n"
        "    (select setCheckpointDir\n"
        "      (select sparkContext\n"
        "        (ident ssc)))\n"
        "    (string \"./data/streamingCheckpoint\"))\n"
        "  (val result: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select updateStateByKey\n"
        "        (ident pairWords))\n"
        "      (lambda [currentValues: Seq[Int], preValue: Option[Int]]\n"
        "        (block\n"
        "          (var totalValues\n"
        "            (int 0))\n"
        "          (if\n"
        "            (unary !\n"
        "              (select isEmpty\n"
        "                (ident preValue)))\n"
        "            (block\n"
        "              (assign +=\n"
        "                (ident totalValues)\n"
        "                (select get\n"
        "                  (ident preValue)))))\n"
        "          (for value\n"
        "            (ident currentValues)\n"
        "            (block\n"
        "              (assign +=\n"
        "                (ident totalValues)\n"
        "                (ident value))))\n"
        "          (call\n"
        "            (ident Option)\n"
        "            (ident totalValues))))))\n"
        "  (call\n"
        "    (select print\n"
        "      (ident result)))\n"
        "  (call\n"
        "    (select start\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select awaitTermination\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select stop\n"
        "      (ident ssc))))\n");
}

/* 2.3: windows; an initialiser on the line after `=`, arguments over
 * several lines. */
static void test_seed_windows(void) {
    static const char *const want[] = {
        "  (val windowResult: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select reduceByKeyAndWindow\n"
        "        (ident pairWords))\n"
        "      (lambda [v1: Int, v2: Int]\n",
        "      (lambda [v1: Int, v2: Int]\n"
        "        (block\n"
        "          (binary -\n",
        "      (call\n"
        "        (select seconds\n"
        "          (ident Durations))\n"
        "        (int 15))\n",
        "  (val ds: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select window\n",
        NULL,
    };
    assert_contains(
        "val windowResult: DStream[(String, Int)] =\n"
        "pairWords.reduceByKeyAndWindow((v1:Int, v2:Int)=>{v1+v2},Durations.seconds(15),Durations.seconds(5)  )\n"
        "windowResult.print()\n"
        "\n"
        "ssc.checkpoint(\"./data/streamingCheckpoint\")\n"
        "\n"
        "val windowResult2: DStream[(String, Int)] = pairWords.reduceByKeyAndWindow(\n"
        "                        (v1:Int, v2:Int)=>{v1+v2},\n"
        "                        (v1:Int, v2:Int)=>{v1-v2},\n"
        "                        Durations.seconds(15),\n"
        "                       Durations.seconds(5))\n"
        "\n"
        "windowResult2.print()\n"
        "val ds : DStream[(String,Int)] = pairWords.window(Durations.seconds(15),Durations.seconds(5))\n",
        want);
}

/* 2.4: transform with the broadcast black list. */
static void test_seed_transform_blacklist(void) {
    static const char *const want[] = {
        "      (select broadcast\n"
        "        (select sparkContext\n"
        "          (ident ssc)))\n"
        "      (call\n"
        "        (ident ListBuffer [String])\n"
        "        (string \"zhangsan\")\n"
        "        (string \"lisi\"))))\n",
        "(tuple\n"
        "            (call\n"
        "              (call\n"
        "                (select split\n"
        "                  (ident line))\n"
        "                (string \" \"))\n"
        "              (int 1))\n",
        "(lambda [pairRDD: RDD[(String, String)]]\n",
        "(unary !\n"
        "                  (call\n"
        "                    (select contains\n"
        "                      (ident nameList))\n"
        "                    (select _1\n"
        "                      (ident tp))))",
        "(lambda [one]\n"
        "            (block\n"
        "              (call\n"
        "                (ident println)\n"
        "                (ident one))\n"
        "              (call\n"
        "                (select append\n",
        "          (ident returnRDD)))))\n"
        "  (call\n"
        "    (select print\n"
        "      (ident resultDStream)))\n",
        NULL,
    };
    assert_contains(
        "ssc.sparkContext.setLogLevel(\"Error\")\n"
        " \n"
        "   /**\n"
        "      * 广播名单\n"
        "      */\n"
        "val blackList: Broadcast[ListBuffer[String]] = ssc.sparkContext.broadcast(ListBuffer[String](\"zhangsan\",\"lisi\"))\n"
        "\n"
        "val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "val pairLines: DStream[(String, String)] = lines.map(line=>{(line.split(\" \")(1),line)})\n"
        "val resultDStream: DStream[String] = pairLines.transform((pairRDD:RDD[(String,String)]) => {\n"
        "      println(\"++++++ Driver1+++++++\")\n"
        "      blackList.value.foreach(println)\n"
        "\n"
        "      val filterRDD: RDD[(String, String)] = pairRDD.filter(tp => {\n"
        "        val nameList: ListBuffer[String] = blackList.value\n"
        "        !nameList.contains(tp._1)\n"
        "      })\n"
        "\n"
        "////     filterRDD.map(tp => tp._1).collect().foreach(println)\n"
        "//      val a = filterRDD.map(tp => tp._1).collect()\n"
        "//      println(\"++++++ Driver Code  end +++++++\")\n"
        "\n"
        "      val returnRDD: RDD[String] = filterRDD.map(tp => tp._2)\n"
        "\n"
        "      returnRDD\n"
        "    })\n"
        "\n"
        "    resultDStream.print()\n"
        "\n"
        "    pairLines.foreachRDD(  (pairRDD:RDD[(String,String)]) => {\n"
        "\n"
        "\n"
        "      val filterRDD: RDD[(String, String)] = pairRDD.filter(tp => {\n"
        "        val nameList: ListBuffer[String] = blackList.value\n"
        "        !nameList.contains(tp._1)\n"
        "      })\n"
        "      println(\"++++++ Driver2 Code start+++++++\")\n"
        "      //     filterRDD.map(tp => tp._1).collect().foreach(println)\n"
        "      val a = filterRDD.map(tp => tp._1).collect()\n"
        "      a.foreach( (one) =>{\n"
        "        println(one)\n"
        "        blackList.value.append(one)})\n"
        "      println(\"++++++ Driver2 Code  end +++++++\")\n"
        "\n"
        "    })\n"
        "   \n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "ssc.stop()\n",
        want);
}

/* 2.5: textFileStream and saveAsTextFiles. */
static void test_seed_text_files(void) {
    ASSERT_TREE(
        "//监控目录，要新增的文件\n"
        "val lines: DStream[String] = ssc.textFileStream(\"./data/streamingCopyFile\")\n"
        "val words: DStream[String] = lines.flatMap(line=>{line.split(\" \")})\n"
        "val pairWords: DStream[(String, Int)] = words.map(word=>{(word,1)})\n"
        " val result: DStream[(String, Int)] = pairWords.reduceByKey((v1:Int, v2:Int)=>{v1+v2})\n"
        "\n"
        "//保存的多级目录就直接写在前缀中：文件命名 prefix + XXXX时间  + .suffix\n"
        "result.saveAsTextFiles(\"./data/streamingSavePath/prefix\",\"suffix\")\n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "ssc.stop()\n",
        "(program\n"
        "  (val lines: DStream[String]\n"
        "    (call\n"
        "      (select textFileStream\n"
        "        (ident ssc))\n"
        "      (string \"./data/streamingCopyFile\")))\n"
        "  (val words: DStream[String]\n"
        "    (call\n"
        "      (select flatMap\n"
        "        (ident lines))\n"
        "      (lambda [line]\n"
        "        (block\n"
        "          (call\n"
        "            (select split\n"
        "              (ident line))\n"
        "            (string \" \"))))))\n"
        "  (val pairWords: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select map\n"
        "        (ident words))\n"
        "      (lambda [word]\n"
        "        (block\n"
        "          (tuple\n"
        "            (ident word)\n"
        "            (int 1))))))\n"
        "  (val result: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select reduceByKey\n"
        "        (ident pairWords))\n"
        "      (lambda [v1: Int, v2: Int]\n"
        "        (block\n"
        "          (binary +\n"
        "            (ident v1)\n"
        "            (ident v2))))))\n"
        "  (call\n"
        "    (select saveAsTextFiles\n"
        "      (ident result))\n"
        "    (string \"./data/streamingSavePath/prefix\")\n"
        "    (string \"suffix\"))\n"
        "  (call\n"
        "    (select start\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select awaitTermination\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select stop\n"
        "      (ident ssc))))\n");
}

/* 3.2: the DriverHA body lines. */
static void test_seed_driver_ha(void) {
    static const char *const want[] = {
        "  (val ssc: StreamingContext\n"
        "    (call\n"
        "      (select getOrCreate\n"
        "        (ident StreamingContext))\n"
        "      (ident ckDir)\n"
        "      (ident CreateStreamingContext)))\n",
        "  (call\n"
        "    (select checkpoint\n"
        "      (ident ssc))\n"
        "    (ident ckDir))\n",
        "(select split\n"
        "              (select trim\n"
        "                (ident line)))\n",
        "        (call\n"
        "          (select foreach\n"
        "            (ident pairRDD))\n"
        "          (ident println)))))\n"
        "  (ident ssc))\n",
        NULL,
    };
    assert_contains(
        "val ckDir = \"./data/streamingCheckpoint\"\n"
        "    val ssc: StreamingContext = StreamingContext.getOrCreate(ckDir,CreateStreamingContext)\n"
        "    ssc.start()\n"
        "    ssc.awaitTermination()\n"
        "    ssc.stop()\n"
        "    println(\"=======Create new StreamingContext =======\")\n"
        "    ssc.sparkContext.setLogLevel(\"Error\")\n"
        "\n"
        "    /**\n"
        "      *   默认checkpoint 存储：\n"
        "      *     1.配置信息\n"
        "      */\n"
        "    ssc.checkpoint(ckDir)\n"
        "    val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "//   val lines: DStream[String] = ssc.textFileStream(\"./data/streamingCopyFile\")\n"
        "    val words: DStream[String] = lines.flatMap(line=>{line.trim.split(\" \")})\n"
        "    val pairWords: DStream[(String, Int)] = words.map(word=>{(word,1)})\n"
        "    val result: DStream[(String, Int)] = pairWords.reduceByKey((v1:Int, v2:Int)=>{v1+v2})\n"
        "\n"
        "//    result.print()\n"
        "\n"
        "    /**\n"
        "      * 更改逻辑\n"
        "      */\n"
        "    result.foreachRDD(pairRDD=>{\n"
        "      pairRDD.filter(one=>{\n"
        "        println(\"*********** filter *********\")\n"
        "        true\n"
        "      })\n"
        "      pairRDD.foreach(println)\n"
        "    })\n"
        "\n"
        "    ssc\n",
        want);
}

/* 4.2: Kafka direct stream, offsets committed back to Kafka. */
static void test_seed_kafka_direct(void) {
    ASSERT_TREE(
        "    //设置日志级别\n"
        "    ssc.sparkContext.setLogLevel(\"Error\")\n"
        "\n"
        "    val kafkaParams = Map[String, Object](\n"
        "      \"bootstrap.servers\" -> \"node1:9092,node2:9092,node3:9092\",\n"
        "      \"key.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"value.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"group.id\" -> \"MyGroupId\",//\n"
        "\n"
        "      /**\n"
        "        * 当没有初始的offset，或者当前的offset不存在，如何处理数据\n"
        "        *  none:没有找到以前的offset,抛出异常\n"
        "        */\n"
        "      \"auto.offset.reset\" -> \"earliest\",\n"
        "\n"
        "      /**\n"
        "        * 当设置 enable.auto.commit为false时 (自动提交)\n"
        "        */\n"
        "      \"enable.auto.commit\" -> (false: java.lang.Boolean)//默认是true\n"
        "    )\n"
        "\n"
        "    val topics = Array(\"testtopic\")\n"
        "    val stream: InputDStream[ConsumerRecord[String, String]] = KafkaUtils.createDirectStream[String, String](\n"
        "      ssc,\n"
        "      PreferConsistent,//策略\n"
        "      Subscribe[String, String](topics, kafkaParams)\n"
        "    )\n"
        "\n"
        "    val transStrem: DStream[String] = stream.map(record => {\n"
        "      val key_value = (record.key, record.value)\n"
        "      println(\"receive message key = \"+key_value._1)\n"
        "      println(\"receive message value = \"+key_value._2)\n"
        "      key_value._2\n"
        "    })\n"
        "    val wordsDS: DStream[String] = transStrem.flatMap(line=>{line.split(\" \")})\n"
        "    val result: DStream[(String, Int)] = wordsDS.map((_,1)).reduceByKey(_+_)\n"
        "    result.print()\n"
        "\n"
        "    /**\n"
        "      * 以上业务处理完成之后\n"
        "      */\n"
        "    stream.foreachRDD { rdd =>\n"
        "      val offsetRanges: Array[OffsetRange] = rdd.asInstanceOf[HasOffsetRanges].offsetRanges\n"
        "      // some time later, after outputs have completed\n"
        "      stream.asInstanceOf[CanCommitOffsets].commitAsync(offsetRanges)\n"
        "    }\n"
        "    ssc.start()\n"
        "    ssc.awaitTermination()\n"
        "    ssc.stop()\n",
        "(program\n"
        "  (call\n"
        "    (select setLogLevel\n"
        "      (select sparkContext\n"
        "        (ident ssc)))\n"
        "    (string \"Error\"))\n"
        "  (val kafkaParams\n"
        "    (call\n"
        "      (ident Map [String, Object])\n"
        "      (binary ->\n"
        "        (string \"bootstrap.servers\")\n"
        "        (string \"node1:9092,node2:9092,node3:9092\"))\n"
        "      (binary ->\n"
        "        (string \"key.deserializer\")\n"
        "        (ident classOf [StringDeserializer]))\n"
        "      (binary ->\n"
        "        (string \"value.deserializer\")\n"
        "        (ident classOf [StringDeserializer]))\n"
        "      (binary ->\n"
        "        (string \"group.id\")\n"
        "        (string \"MyGroupId\"))\n"
        "      (binary ->\n"
        "        (string \"auto.offset.reset\")\n"
        "        (string \"earliest\"))\n"
        "      (binary ->\n"
        "        (string \"enable.auto.commit\")\n"
        "        (ascribe java.lang.Boolean\n"
        "          (bool false)))))\n"
        "  (val topics\n"
        "    (call\n"
        "      (ident Array)\n"
        "      (string \"testtopic\")))\n"
        "  (val stream: InputDStream[ConsumerRecord[String, String]]\n"
        "    (call\n"
        "      (select createDirectStream [String, String]\n"
        "        (ident KafkaUtils))\n"
        "      (ident ssc)\n"
        "      (ident PreferConsistent)\n"
        "      (call\n"
        "        (ident Subscribe [String, String])\n"
        "        (ident topics)\n"
        "        (ident kafkaParams))))\n"
        "  (val transStrem: DStream[String]\n"
        "    (call\n"
        "      (select map\n"
        "        (ident stream))\n"
        "      (lambda [record]\n"
        "        (block\n"
        "          (val key_value\n"
        "            (tuple\n"
        "              (select key\n"
        "                (ident record))\n"
        "              (select value\n"
        "                (ident record))))\n"
        "          (call\n"
        "            (ident println)\n"
        "            (binary +\n"
        "              (string \"receive message key = \")\n"
        "              (select _1\n"
        "                (ident key_value))))\n"
        "          (call\n"
        "            (ident println)\n"
        "            (binary +\n"
        "              (string \"receive message value = \")\n"
        "              (select _2\n"
        "                (ident key_value))))\n"
        "          (select _2\n"
        "            (ident key_value))))))\n"
        "  (val wordsDS: DStream[String]\n"
        "    (call\n"
        "      (select flatMap\n"
        "        (ident transStrem))\n"
        "      (lambda [line]\n"
        "        (block\n"
        "          (call\n"
        "            (select split\n"
        "              (ident line))\n"
        "            (string \" \"))))))\n"
        "  (val result: DStream[(String, Int)]\n"
        "    (call\n"
        "      (select reduceByKey\n"
        "        (call\n"
        "          (select map\n"
        "            (ident wordsDS))\n"
        "          (tuple\n"
        "            (placeholder)\n"
        "            (int 1))))\n"
        "      (binary +\n"
        "        (placeholder)\n"
        "        (placeholder))))\n"
        "  (call\n"
        "    (select print\n"
        "      (ident result)))\n"
        "  (call\n"
        "    (select foreachRDD\n"
        "      (ident stream))\n"
        "    (lambda [rdd]\n"
        "      (block\n"
        "        (val offsetRanges: Array[OffsetRange]\n"
        "          (select offsetRanges\n"
        "            (select asInstanceOf [HasOffsetRanges]\n"
        "              (ident rdd))))\n"
        "        (call\n"
        "          (select commitAsync\n"
        "            (select asInstanceOf [CanCommitOffsets]\n"
        "              (ident stream)))\n"
        "          (ident offsetRanges)))))\n"
        "  (call\n"
        "    (select start\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select awaitTermination\n"
        "      (ident ssc)))\n"
        "  (call\n"
        "    (select stop\n"
        "      (ident ssc))))\n");
}

/* 4.2 (3): offsets kept in Redis; the helper functions' body lines and
 * main's. */
static void test_seed_kafka_redis(void) {
    static const char *const want[] = {
        "  (if\n"
        "    (binary ==\n"
        "      (call\n"
        "        (select size\n"
        "          (ident result)))\n"
        "      (int 0))\n",
        "  (import scala.collection.JavaConversions.mapAsScalaMap)\n",
        "  (val offsetMap: scala.collection.mutable.Map[String, String]\n",
        "(interp\n"
        "            (string \" 初始读取到的offset: \")\n"
        "            (ident x))",
        "  (val fromOffsets: Predef.Map[TopicPartition, Long]\n"
        "    (select toMap\n"
        "      (call\n"
        "        (select map\n"
        "          (ident currentTopicOffset))\n"
        "        (lambda [resultSet]\n"
        "          (binary ->\n"
        "            (new TopicPartition\n"
        "              (ident topic)\n",
        "      (call\n"
        "        (select Assign [String, String]\n"
        "          (ident ConsumerStrategies))\n"
        "        (select toList\n"
        "          (select keys\n"
        "            (ident fromOffsets)))\n",
        "              (val o: OffsetRange\n"
        "                (call\n"
        "                  (ident offsetRanges)\n"
        "                  (select partitionId\n"
        "                    (select get\n"
        "                      (ident TaskContext)))))\n",
        "                (interp\n"
        "                  (string \"topic:\")\n"
        "                  (select topic\n"
        "                    (ident o))\n"
        "                  (string \"  partition:\")\n",
        "                  (string \"  untilOffset: \")\n"
        "                  (select untilOffset\n"
        "                    (ident o)))))))\n",
        NULL,
    };
    assert_contains(
        "    val jedis = RedisClient.pool.getResource\n"
        "    jedis.select(db)\n"
        "    val result: util.Map[String, String] = jedis.hgetAll(topic)\n"
        "    RedisClient.pool.returnResource(jedis)\n"
        "    if(result.size()==0){\n"
        "      result.put(\"0\",\"0\")\n"
        "      result.put(\"1\",\"0\")\n"
        "      result.put(\"2\",\"0\")\n"
        "    }\n"
        "    import scala.collection.JavaConversions.mapAsScalaMap\n"
        "    val offsetMap: scala.collection.mutable.Map[String, String] = result\n"
        "    offsetMap\n"
        "    offsetRanges.foreach(one=>{\n"
        "      jedis.hset(one.topic, one.partition.toString,one.untilOffset.toString)\n"
        "    })\n"
        "    //设置日志级别\n"
        "    ssc.sparkContext.setLogLevel(\"Error\")\n"
        "\n"
        "    val topic = \"testtopic\"\n"
        "    /**\n"
        "      * 从Redis 中获取消费者offset\n"
        "      */\n"
        "    val dbIndex = 3\n"
        "    val currentTopicOffset: mutable.Map[String, String] = getOffSetFromRedis(dbIndex,topic)\n"
        "    //初始读取到的topic offset:\n"
        "    currentTopicOffset.foreach(x=>{println(s\" 初始读取到的offset: $x\")})\n"
        "\n"
        "    //转换成需要的类型\n"
        "    val fromOffsets: Predef.Map[TopicPartition, Long] = currentTopicOffset.map { resultSet =>\n"
        "      new TopicPartition(topic, resultSet._1.toInt) -> resultSet._2.toLong\n"
        "    }.toMap\n"
        "\n"
        "    val kafkaParams = Map[String, Object](\n"
        "      \"bootstrap.servers\" -> \"node1:9092,node2:9092,node3:9092\",\n"
        "      \"key.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"value.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"group.id\" -> \"MyGroupId\",\n"
        "      \"auto.offset.reset\" -> \"latest\"\n"
        "    )\n"
        "    /**\n"
        "      * 将获取到的消费者offset 传递给SparkStreaming\n"
        "      */\n"
        "    val stream = KafkaUtils.createDirectStream[String, String](\n"
        "      ssc,\n"
        "      PreferConsistent,\n"
        "      ConsumerStrategies.Assign[String, String](fromOffsets.keys.toList, kafkaParams, fromOffsets)\n"
        "    )\n"
        "\n"
        "\n"
        "    stream.foreachRDD { rdd =>\n"
        "\n"
        "      println(\"**** 业务处理完成  ****\")\n"
        "\n"
        "      val offsetRanges: Array[OffsetRange] = rdd.asInstanceOf[HasOffsetRanges].offsetRanges\n"
        "\n"
        "      rdd.foreachPartition { iter =>\n"
        "        val o: OffsetRange = offsetRanges(TaskContext.get.partitionId)\n"
        "        println(s\"topic:${o.topic}  partition:${o.partition}  fromOffset:${o.fromOffset}  untilOffset: ${o.untilOffset}\")\n"
        "      }\n"
        "\n"
        "      //将当前批次最后的所有分区offsets 保存到 Redis中\n"
        "      saveOffsetToRedis(dbIndex,offsetRanges)\n"
        "    }\n"
        "\n"
        "    ssc.start()\n"
        "    ssc.awaitTermination()\n"
        "    ssc.stop()\n",
        want);
}

/* ===================================================================== */
/* Statements, newlines, settings                                        */
/* ===================================================================== */

static void test_header_settings(void) {
    ASSERT_TREE(
        "app \"Counts\"\n"
        "batch Seconds(2)\n"
        "master \"local[*]\"\n"
        "checkpoint \"/tmp/ck\" every 10s\n"
        "offsets redis \"redis://localhost:6379/3\"\n"
        "conf \"spark.streaming.backpressure.enabled\" = true\n"
        "conf \"spark.ui.port\" = 4040\n"
        "val batch = 1\n"
        "batch.print()\n"
        "ssc.checkpoint(dir)\n",
        "(program\n"
        "  (setting app\n"
        "    (string \"Counts\"))\n"
        "  (setting batch\n"
        "    (call\n"
        "      (ident Seconds)\n"
        "      (int 2)))\n"
        "  (setting master\n"
        "    (string \"local[*]\"))\n"
        "  (setting checkpoint\n"
        "    (string \"/tmp/ck\")\n"
        "    (duration 10000ms))\n"
        "  (setting offsets\n"
        "    (ident redis)\n"
        "    (string \"redis://localhost:6379/3\"))\n"
        "  (setting conf\n"
        "    (string \"spark.streaming.backpressure.enabled\")\n"
        "    (bool true))\n"
        "  (setting conf\n"
        "    (string \"spark.ui.port\")\n"
        "    (int 4040))\n"
        "  (val batch\n"
        "    (int 1))\n"
        "  (call\n"
        "    (select print\n"
        "      (ident batch)))\n"
        "  (call\n"
        "    (select checkpoint\n"
        "      (ident ssc))\n"
        "    (ident dir)))\n");
}

static void test_setting_words_checked(void) {
    ASSERT_DIAGS("offsets foo\ncheckpoint \"d\" evry 5s\noffsets kafka \"x\"\n", 3,
                 "test.stream:1:9: error: unexpected 'foo' as the offsets store; expected 'kafka' or 'checkpoint'\n"
                 "offsets foo\n"
                 "        ^~~\n"
                 "test.stream:2:16: error: unexpected 'evry' after the checkpoint directory; expected 'every'\n"
                 "checkpoint \"d\" evry 5s\n"
                 "               ^~~~\n"
                 "test.stream:3:9: error: unexpected 'kafka' before a URL; expected 'redis'\n"
                 "offsets kafka \"x\"\n"
                 "        ^~~~~\n");
    /* header words are keywords only at the start of a top-level line */
    ASSERT_DIAGS("foo(x => {\n  batch 5\n})\n", 1,
                 "test.stream:2:9: error: syntax error, unexpected integer literal, expecting newline or '=>' or ';' or '}'\n"
                 "  batch 5\n"
                 "        ^\n");
}

/* Method chains continued on the next line, operators at the end of a
 * line, if/else and for over several lines. */
static void test_newlines(void) {
    ASSERT_TREE(
        "val counts = lines\n"
        "  .flatMap(_.split(\" \"))   // words\n"
        "  /* pairs */\n"
        "  .map((_, 1))\n"
        "\n"
        "  .reduceByKey(_ + _)\n"
        "val total = a +\n"
        "  b *\n"
        "  c\n"
        "if (total > 10)\n"
        "  println(\"big\")\n"
        "else\n"
        "  println(\"small\")\n"
        "for (w <- words)\n"
        "  n += 1\n",
        "(program\n"
        "  (val counts\n"
        "    (call\n"
        "      (select reduceByKey\n"
        "        (call\n"
        "          (select map\n"
        "            (call\n"
        "              (select flatMap\n"
        "                (ident lines))\n"
        "              (call\n"
        "                (select split\n"
        "                  (placeholder))\n"
        "                (string \" \"))))\n"
        "          (tuple\n"
        "            (placeholder)\n"
        "            (int 1))))\n"
        "      (binary +\n"
        "        (placeholder)\n"
        "        (placeholder))))\n"
        "  (val total\n"
        "    (binary +\n"
        "      (ident a)\n"
        "      (binary *\n"
        "        (ident b)\n"
        "        (ident c))))\n"
        "  (if\n"
        "    (binary >\n"
        "      (ident total)\n"
        "      (int 10))\n"
        "    (call\n"
        "      (ident println)\n"
        "      (string \"big\"))\n"
        "    (call\n"
        "      (ident println)\n"
        "      (string \"small\")))\n"
        "  (for w\n"
        "    (ident words)\n"
        "    (assign +=\n"
        "      (ident n)\n"
        "      (int 1))))\n");
    ASSERT_TREE("val a = 1; val b = 2;\n\n\n;c\n",
                "(program\n"
                "  (val a\n"
                "    (int 1))\n"
                "  (val b\n"
                "    (int 2))\n"
                "  (ident c))\n");
    /* inside ( ) newlines do not count; a { inside them starts a context
     * where they count again */
    ASSERT_TREE("f(a,\n  b\n)(x => {\n  g(x)\n  x\n})\n",
                "(program\n"
                "  (call\n"
                "    (call\n"
                "      (ident f)\n"
                "      (ident a)\n"
                "      (ident b))\n"
                "    (lambda [x]\n"
                "      (block\n"
                "        (call\n"
                "          (ident g)\n"
                "          (ident x))\n"
                "        (ident x)))))\n");
    ASSERT_TREE("val x = if (a) {\n  1\n}\nelse if (b) 2\nelse\n  3\n",
                "(program\n"
                "  (val x\n"
                "    (if\n"
                "      (ident a)\n"
                "      (block\n"
                "        (int 1))\n"
                "      (if\n"
                "        (ident b)\n"
                "        (int 2)\n"
                "        (int 3)))))\n");
}

static void test_comments(void) {
    ASSERT_TREE("/** doc\n * /* nested */ still comment\n */\nval x = 1 // end\n/* a */ val y /* b */ = 2\n//",
                "(program\n"
                "  (val x\n"
                "    (int 1))\n"
                "  (val y\n"
                "    (int 2)))\n");
}

static void test_statements(void) {
    ASSERT_TREE("var n: Long = 0L\nn += 1\nn -= 2\nn *= 3\nn /= 4\nn = 5\nimport a.b._\n"
                "import a.{B, C => D}\nfor (x <- xs) { println(x) }\n",
                "(program\n"
                "  (var n: Long\n"
                "    (int 0L))\n"
                "  (assign +=\n"
                "    (ident n)\n"
                "    (int 1))\n"
                "  (assign -=\n"
                "    (ident n)\n"
                "    (int 2))\n"
                "  (assign *=\n"
                "    (ident n)\n"
                "    (int 3))\n"
                "  (assign /=\n"
                "    (ident n)\n"
                "    (int 4))\n"
                "  (assign =\n"
                "    (ident n)\n"
                "    (int 5))\n"
                "  (import a.b._)\n"
                "  (import a.{B, C => D})\n"
                "  (for x\n"
                "    (ident xs)\n"
                "    (block\n"
                "      (call\n"
                "        (ident println)\n"
                "        (ident x)))))\n");
}

/* ===================================================================== */
/* Expressions                                                           */
/* ===================================================================== */

static void test_lambdas(void) {
    ASSERT_TREE(
        "val a = xs.map(x => x + 1)\n"
        "val b = xs.map((x: Int) => { x * 2 })\n"
        "val c = pairs.map { case (k, (v, _)) => k }\n"
        "val d = pairs.map { case (k: String, v) =>\n"
        "  val s = k + v\n"
        "  s\n"
        "}\n"
        "val e = xs.map { x => x - 1 }\n"
        "val f = () => 1\n"
        "val g = _ => 2\n"
        "val h = xs.reduce((_, y) => y)\n"
        "val u = ()\n",
        "(program\n"
        "  (val a\n"
        "    (call\n"
        "      (select map\n"
        "        (ident xs))\n"
        "      (lambda [x]\n"
        "        (binary +\n"
        "          (ident x)\n"
        "          (int 1)))))\n"
        "  (val b\n"
        "    (call\n"
        "      (select map\n"
        "        (ident xs))\n"
        "      (lambda [x: Int]\n"
        "        (block\n"
        "          (binary *\n"
        "            (ident x)\n"
        "            (int 2))))))\n"
        "  (val c\n"
        "    (call\n"
        "      (select map\n"
        "        (ident pairs))\n"
        "      (lambda [(k, (v, _))]\n"
        "        (ident k))))\n"
        "  (val d\n"
        "    (call\n"
        "      (select map\n"
        "        (ident pairs))\n"
        "      (lambda [(k: String, v)]\n"
        "        (block\n"
        "          (val s\n"
        "            (binary +\n"
        "              (ident k)\n"
        "              (ident v)))\n"
        "          (ident s)))))\n"
        "  (val e\n"
        "    (call\n"
        "      (select map\n"
        "        (ident xs))\n"
        "      (lambda [x]\n"
        "        (binary -\n"
        "          (ident x)\n"
        "          (int 1)))))\n"
        "  (val f\n"
        "    (lambda []\n"
        "      (int 1)))\n"
        "  (val g\n"
        "    (lambda [_]\n"
        "      (int 2)))\n"
        "  (val h\n"
        "    (call\n"
        "      (select reduce\n"
        "        (ident xs))\n"
        "      (lambda [_, y]\n"
        "        (ident y))))\n"
        "  (val u\n"
        "    (block)))\n");
}

/* { x: T => ... } and a byte order mark before the first line. */
static void test_typed_block_lambda(void) {
    ASSERT_TREE("\xef\xbb\xbfxs.map { y: Int =>\n  y + 1\n}\n",
                "(program\n"
                "  (call\n"
                "    (select map\n"
                "      (ident xs))\n"
                "    (lambda [y: Int]\n"
                "      (binary +\n"
                "        (ident y)\n"
                "        (int 1)))))\n");
}

static void test_placeholders(void) {
    ASSERT_TREE("r.map((_, 1)).reduceByKey(_ + _).filter(_ % 2 == 0).map(_.toString)\n",
                "(program\n"
                "  (call\n"
                "    (select map\n"
                "      (call\n"
                "        (select filter\n"
                "          (call\n"
                "            (select reduceByKey\n"
                "              (call\n"
                "                (select map\n"
                "                  (ident r))\n"
                "                (tuple\n"
                "                  (placeholder)\n"
                "                  (int 1))))\n"
                "            (binary +\n"
                "              (placeholder)\n"
                "              (placeholder))))\n"
                "        (binary ==\n"
                "          (binary %\n"
                "            (placeholder)\n"
                "            (int 2))\n"
                "          (int 0))))\n"
                "    (select toString\n"
                "      (placeholder))))\n");
}

static void test_precedence(void) {
    ASSERT_TREE("\"a\" -> 1 + 2\n",
                "(program\n"
                "  (binary ->\n"
                "    (string \"a\")\n"
                "    (binary +\n"
                "      (int 1)\n"
                "      (int 2))))\n");
    ASSERT_TREE("a || b && c == d < e -> f + g * -h\n",
                "(program\n"
                "  (binary ||\n"
                "    (ident a)\n"
                "    (binary &&\n"
                "      (ident b)\n"
                "      (binary ==\n"
                "        (ident c)\n"
                "        (binary <\n"
                "          (ident d)\n"
                "          (binary ->\n"
                "            (ident e)\n"
                "            (binary +\n"
                "              (ident f)\n"
                "              (binary *\n"
                "                (ident g)\n"
                "                (unary -\n"
                "                  (ident h))))))))))\n");
    ASSERT_TREE("!a.b(c) - d - e / f % g != h >= i\n",
                "(program\n"
                "  (binary !=\n"
                "    (binary -\n"
                "      (binary -\n"
                "        (unary !\n"
                "          (call\n"
                "            (select b\n"
                "              (ident a))\n"
                "            (ident c)))\n"
                "        (ident d))\n"
                "      (binary %\n"
                "        (binary /\n"
                "          (ident e)\n"
                "          (ident f))\n"
                "        (ident g)))\n"
                "    (binary >=\n"
                "      (ident h)\n"
                "      (ident i))))\n");
}

static void test_calls_types_new(void) {
    ASSERT_TREE("line.split(\" \")(1)\nrecord.value()\nrecord.value\n"
                "new HashPartitioner(2)\n(false: java.lang.Boolean)\n"
                "x.asInstanceOf[Map[String, (Int, Seq[Long])]].y\nf { 1 }\n",
                "(program\n"
                "  (call\n"
                "    (call\n"
                "      (select split\n"
                "        (ident line))\n"
                "      (string \" \"))\n"
                "    (int 1))\n"
                "  (call\n"
                "    (select value\n"
                "      (ident record)))\n"
                "  (select value\n"
                "    (ident record))\n"
                "  (new HashPartitioner\n"
                "    (int 2))\n"
                "  (ascribe java.lang.Boolean\n"
                "    (bool false))\n"
                "  (select y\n"
                "    (select asInstanceOf [Map[String, (Int, Seq[Long])]]\n"
                "      (ident x)))\n"
                "  (call\n"
                "    (ident f)\n"
                "    (block\n"
                "      (int 1))))\n");
}

static void test_literals(void) {
    ASSERT_TREE("Seq(10, 10L, 0x1F, 1.5, 1e3, 2.0d, 0.1, 500ms, 5s, 1m, 1h, true, false, null)\n",
                "(program\n"
                "  (call\n"
                "    (ident Seq)\n"
                "    (int 10)\n"
                "    (int 10L)\n"
                "    (int 31)\n"
                "    (double 1.5)\n"
                "    (double 1000.0)\n"
                "    (double 2.0)\n"
                "    (double 0.1)\n"
                "    (duration 500ms)\n"
                "    (duration 5000ms)\n"
                "    (duration 60000ms)\n"
                "    (duration 3600000ms)\n"
                "    (bool true)\n"
                "    (bool false)\n"
                "    (null)))\n");
    ASSERT_TREE("\"tab\\there \\\"q\\\" \\\\ \\u00e9\\uD83D\\uDE00\"\n\"\"\"raw \"x\" \\n\"\"\"\n",
                "(program\n"
                "  (string \"tab\\there \\\"q\\\" \\\\ \xc3\xa9\xf0\x9f\x98\x80\")\n"
                "  (string \"raw \\\"x\\\" \\\\n\"))\n");
    /* `5 s` with a space is not a duration */
    ASSERT_DIAGS("batch 5 s\n", 1,
                 "test.stream:1:9: error: syntax error, unexpected identifier, expecting newline or ';' or end of input\n"
                 "batch 5 s\n"
                 "        ^\n");
}

static void test_interpolation(void) {
    const char *text = "println(s\"a $x b ${m.get(\"k\") + 1} c $$ d${s\"${y}\"}\")\n";
    ASSERT_TREE(text, "(program\n"
                      "  (call\n"
                      "    (ident println)\n"
                      "    (interp\n"
                      "      (string \"a \")\n"
                      "      (ident x)\n"
                      "      (string \" b \")\n"
                      "      (binary +\n"
                      "        (call\n"
                      "          (select get\n"
                      "            (ident m))\n"
                      "          (string \"k\"))\n"
                      "        (int 1))\n"
                      "      (string \" c $ d\")\n"
                      "      (interp\n"
                      "        (ident y)))))\n");
    /* locations inside ${...} are offsets into the file */
    source *src = source_from_string("t", text, strlen(text));
    ast_pool *pool = ast_pool_new();
    ast *prog = parse_program(src, pool);
    ast *interp = find_kind(prog, AST_INTERP);
    CU_ASSERT(covers(text, interp, "s\"a $x b ${m.get(\"k\") + 1} c $$ d${s\"${y}\"}\""));
    CU_ASSERT(covers(text, find_kind(interp, AST_BINARY), "m.get(\"k\") + 1"));
    CU_ASSERT(covers(text, interp->list.items[1], "x"));
    CU_ASSERT(covers(text, interp->list.items[0], "a "));
    ast_pool_free(pool);
    source_free(src);
}

/* parse_expression on a byte range of a file. */
static void test_parse_expression(void) {
    const char *text = "val x = (a + b) * c";
    source *src = source_from_string("t", text, strlen(text));
    ast_pool *pool = ast_pool_new();
    ast *e = parse_expression(src, pool, 8, (int32_t)strlen(text));
    CU_ASSERT_EQUAL(src->errors, 0);
    CU_ASSERT(e && e->kind == AST_BINARY && e->op == AST_OP_MUL);
    CU_ASSERT(covers(text, e, "(a + b) * c"));
    CU_ASSERT(covers(text, e->a, "a + b"));
    CU_ASSERT(covers(text, e->b, "c"));
    /* trailing garbage is an error */
    src->out = fopen("/dev/null", "w");
    CU_ASSERT_PTR_NULL(parse_expression(src, pool, 0, (int32_t)strlen(text)));
    CU_ASSERT_EQUAL(src->errors, 1);
    fclose(src->out);
    ast_pool_free(pool);
    source_free(src);
}

static void test_locations(void) {
    const char *text = "val n = words.map(w => (w, 1))\n  .count()\n";
    source *src = source_from_string("t", text, strlen(text));
    ast_pool *pool = ast_pool_new();
    ast *prog = parse_program(src, pool);
    CU_ASSERT_EQUAL(src->errors, 0);
    CU_ASSERT(covers(text, prog, text));
    ast *val = prog->list.items[0];
    CU_ASSERT(covers(text, val, "val n = words.map(w => (w, 1))\n  .count()"));
    CU_ASSERT(covers(text, find_kind(val, AST_LAMBDA), "w => (w, 1)"));
    CU_ASSERT(covers(text, find_kind(val, AST_TUPLE), "(w, 1)"));
    CU_ASSERT(covers(text, find_kind(val, AST_PARAM), "w"));
    int line, col;
    source_line_col(src, find_kind(val, AST_CALL)->a->loc.start, &line, &col);
    CU_ASSERT(line == 1 && col == 9);
    source_line_col(src, (int32_t)(strstr(text, "count") - text), &line, &col);
    CU_ASSERT(line == 2 && col == 4);
    ast_pool_free(pool);
    source_free(src);
}

/* ===================================================================== */
/* Errors                                                                */
/* ===================================================================== */

/* Every error of a file is reported; recovery resumes at the next line. */
static void test_multiple_errors(void) {
    ASSERT_DIAGS("val x = foo(1, 2\nval = 4\nval y = (1 +) * 3\nval ok = 1\nif x > 1 foo()\n"
                 "def f(x: Int) = x\n",
                 5,
                 "test.stream:1:17: error: syntax error, unexpected newline, expecting ')' or ','\n"
                 "val x = foo(1, 2\n"
                 "                ^\n"
                 "test.stream:2:5: error: syntax error, unexpected '=', expecting identifier or '('\n"
                 "val = 4\n"
                 "    ^\n"
                 "test.stream:3:13: error: syntax error, unexpected ')', expecting expression\n"
                 "val y = (1 +) * 3\n"
                 "            ^\n"
                 "test.stream:5:4: error: syntax error, unexpected identifier, expecting '('\n"
                 "if x > 1 foo()\n"
                 "   ^\n"
                 "test.stream:6:1: error: syntax error, unexpected 'def' (Scala's 'def' is not part of the .stream language)\n"
                 "def f(x: Int) = x\n"
                 "^~~\n");
    /* after an error, a block on the same line is skipped as a whole and
     * the statements inside it are still checked */
    ASSERT_DIAGS("def f(x: Int) = {\n  val y = x\n  val = 2\n}\nval z = 3 3\n", 3,
                 "test.stream:1:1: error: syntax error, unexpected 'def' (Scala's 'def' is not part of the .stream language)\n"
                 "def f(x: Int) = {\n"
                 "^~~\n"
                 "test.stream:3:7: error: syntax error, unexpected '=', expecting identifier or '('\n"
                 "  val = 2\n"
                 "      ^\n"
                 "test.stream:5:11: error: syntax error, unexpected integer literal, expecting newline or ';' or end of input\n"
                 "val z = 3 3\n"
                 "          ^\n");
    /* errors inside a block lambda do not end the block */
    ASSERT_DIAGS("s.foreachRDD { rdd =>\n  val = 1\n  rdd.count(\n}\nval z = ]\n", 3,
                 "test.stream:2:7: error: syntax error, unexpected '=', expecting identifier or '('\n"
                 "  val = 1\n"
                 "      ^\n"
                 "test.stream:4:1: error: syntax error, unexpected '}', expecting ')' or expression\n"
                 "}\n"
                 "^\n"
                 "test.stream:5:9: error: syntax error, unexpected ']', expecting expression\n"
                 "val z = ]\n"
                 "        ^\n");
}

static void test_unterminated(void) {
    ASSERT_DIAGS("val s = \"abc\nval t = 1\n/* open /* nested */\nval u = 2\n", 2,
                 "test.stream:1:9: error: unterminated string literal\n"
                 "val s = \"abc\n"
                 "        ^~~~\n"
                 "test.stream:3:1: error: unterminated comment\n"
                 "/* open /* nested */\n"
                 "^~\n");
    ASSERT_DIAGS("val s = s\"a ${b + \nval t = 1\n", 1,
                 "test.stream:1:13: error: unterminated '${' in a string literal\n"
                 "val s = s\"a ${b + \n"
                 "            ^~\n");
}

static void test_bad_escapes_and_chars(void) {
    ASSERT_DIAGS("val a = \"x\\qy\\u12\"\nval b = 1 # 2\nval c = s\"$ ${} ${a +}\"\n", 7,
                 "test.stream:1:11: error: invalid escape sequence '\\q' (valid: \\b \\t \\n \\f \\r \\\" \\' \\\\ \\uXXXX)\n"
                 "val a = \"x\\qy\\u12\"\n"
                 "          ^~\n"
                 "test.stream:1:14: error: invalid '\\u' escape: four hexadecimal digits expected\n"
                 "val a = \"x\\qy\\u12\"\n"
                 "             ^~\n"
                 "test.stream:2:11: error: unexpected character '#' (comments start with //)\n"
                 "val b = 1 # 2\n"
                 "          ^\n"
                 "test.stream:2:13: error: syntax error, unexpected integer literal, expecting newline or ';' or end of input\n"
                 "val b = 1 # 2\n"
                 "            ^\n"
                 "test.stream:3:11: error: '$' in an interpolated string must start $name or ${expression} (write $$ for a dollar sign)\n"
                 "val c = s\"$ ${} ${a +}\"\n"
                 "          ^\n"
                 "test.stream:3:13: error: empty '${}' in an interpolated string\n"
                 "val c = s\"$ ${} ${a +}\"\n"
                 "            ^~~\n"
                 "test.stream:3:22: error: syntax error, unexpected end of expression, expecting expression\n"
                 "val c = s\"$ ${} ${a +}\"\n"
                 "                     ^\n");
    /* NUL, control, invalid UTF-8 and non-ASCII bytes outside strings */
    static const char bytes[] = "val a = 1\0\nval b = \x01 2\nval c = \xff 3\nval d = \xe6\xa0\xb8 4\nval e = \"\xff ok\"\n";
    parsed p = parse_bytes(bytes, sizeof bytes - 1);
    CU_ASSERT_EQUAL(p.errors, 4);
    CU_ASSERT(same_text("diagnostics", p.diags,
                        "test.stream:1:10: error: NUL byte in the program\n"
                        "val a = 1\0\n" /* the line is shown as is */
                        "         ^\n"
                        "test.stream:2:9: error: unexpected control character 0x01\n"
                        "val b = \x01 2\n"
                        "        ^\n"
                        "test.stream:3:9: error: invalid UTF-8 byte 0xff\n"
                        "val c = \xff 3\n"
                        "        ^\n"
                        "test.stream:4:9: error: unexpected character '\xe6\xa0\xb8'\n"
                        "val d = \xe6\xa0\xb8 4\n"
                        "        ^~\n"));
    parsed_free(&p);
}

/* The caret line copies tabs and counts characters, not bytes. */
static void test_caret_alignment(void) {
    ASSERT_DIAGS("\tval x =\t\"\xe6\xa0\xb8\" + + 1\n", 1,
                 "test.stream:1:18: error: syntax error, unexpected '+', expecting expression\n"
                 "\tval x =\t\"\xe6\xa0\xb8\" + + 1\n"
                 "\t       \t       ^\n");
    /* an error at the end of input points at the end of the last line */
    ASSERT_DIAGS("val x =\n", 1,
                 "test.stream:1:8: error: syntax error, unexpected end of input, expecting expression\n"
                 "val x =\n"
                 "       ^\n");
}

static void test_lambda_parameter_errors(void) {
    ASSERT_DIAGS("xs.map((x, 1, y.z) => x)\n", 2,
                 "test.stream:1:12: error: invalid lambda parameter: expected a name, '_' or 'name: Type'\n"
                 "xs.map((x, 1, y.z) => x)\n"
                 "           ^\n"
                 "test.stream:1:15: error: invalid lambda parameter: expected a name, '_' or 'name: Type'\n"
                 "xs.map((x, 1, y.z) => x)\n"
                 "              ^~~\n");
}

/* Trailing garbage, a stray closing bracket, unbalanced brackets. */
static void test_garbage(void) {
    ASSERT_DIAGS("val x = 1 )\n}\nval y = ((2)\n", 3,
                 "test.stream:1:11: error: syntax error, unexpected ')', expecting newline or ';' or end of input\n"
                 "val x = 1 )\n"
                 "          ^\n"
                 "test.stream:2:1: error: syntax error, unexpected '}'\n"
                 "}\n"
                 "^\n"
                 "test.stream:3:13: error: syntax error, unexpected end of input, expecting '=>' or ')' or ','\n"
                 "val y = ((2)\n"
                 "            ^\n");
}

/* ===================================================================== */
/* Source files, diagnostics, the pool                                   */
/* ===================================================================== */

static void test_source(void) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    source *src = source_from_string("a.stream", "one\ntwo words\r\n", 15);
    src->out = f;
    int line, col;
    source_line_col(src, 0, &line, &col);
    CU_ASSERT(line == 1 && col == 1);
    source_line_col(src, 8, &line, &col);
    CU_ASSERT(line == 2 && col == 5);
    source_line_col(src, 1000, &line, &col); /* clamped to the end */
    CU_ASSERT(line == 3 && col == 1);
    source_warning(src, (ast_loc){8, 30}, "w%d", 1);
    source_note(src, (ast_loc){4, 4}, "n");
    source_error(src, (ast_loc){0, 3}, "e");
    fclose(f);
    CU_ASSERT_EQUAL(src->errors, 1);
    CU_ASSERT_EQUAL(src->warnings, 1);
    CU_ASSERT(same_text("diagnostics", out,
                        "a.stream:2:5: warning: w1\n"
                        "two words\n"
                        "    ^~~~~\n"
                        "a.stream:2:1: note: n\n"
                        "two words\n"
                        "^\n"
                        "a.stream:1:1: error: e\n"
                        "one\n"
                        "^~~\n"));
    free(out);
    source_free(src);

    char err[256];
    CU_ASSERT_PTR_NULL(source_read("/nonexistent/x.stream", err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.stream"));
}

static void test_pool_and_names(void) {
    ast_pool *pool = ast_pool_new();
    ast *holder = ast_new(pool, AST_BLOCK, (ast_loc){0, 0});
    for (int i = 0; i < 1000; i++) {
        ast *n = ast_new(pool, AST_INT, (ast_loc){i, i + 1});
        CU_ASSERT(n->a == NULL && n->name == NULL && n->list.len == 0 && n->sem == NULL);
        n->ival = i;
        ast_list_push(pool, &holder->list, n);
    }
    CU_ASSERT_EQUAL(holder->list.len, 1000);
    int ok = 1;
    for (int i = 0; i < 1000; i++)
        ok &= holder->list.items[i]->ival == i;
    CU_ASSERT(ok);
    char *s = ast_strdup(pool, "a\0b", 3);
    CU_ASSERT(s[0] == 'a' && s[1] == '\0' && s[2] == 'b' && s[3] == '\0');
    char *big = ast_strdup(pool, "", 0);
    CU_ASSERT(big[0] == '\0');
    ast_pool_free(pool);
    CU_ASSERT_STRING_EQUAL(ast_kind_name(AST_TYPE_TUPLE), "type-tuple");
    CU_ASSERT_STRING_EQUAL(ast_kind_name(AST_PLACEHOLDER), "placeholder");
    CU_ASSERT_STRING_EQUAL(ast_op_spelling(AST_OP_ARROW), "->");
    CU_ASSERT_STRING_EQUAL(ast_op_spelling(AST_OP_NEG), "-");
}

/* ===================================================================== */
/* Robustness                                                            */
/* ===================================================================== */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* Parse `text`; it must return, and print a diagnostic iff it counted an
 * error, and leave no tree only if it reported an error. */
static int survives(const char *text, size_t len) {
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    source *src = source_from_string("fuzz.stream", text, len);
    src->out = f;
    ast_pool *pool = ast_pool_new();
    ast *prog = parse_program(src, pool);
    fclose(f);
    int ok = (prog != NULL || src->errors > 0) && ((olen > 0) == (src->errors > 0));
    ast_pool_free(pool);
    source_free(src);
    free(out);
    return ok;
}

static void test_fuzz(void) {
    static const char *const seeds[] = {
        "ssc.sparkContext.setLogLevel(\"Error\")\n"
        "//val sc = new SparkContext(conf)\n"
        "//val ssc = new StreamingContext(sc,Durations.seconds(5))\n"
        " //sc.setLogLevel(\"Error\")\n"
        "val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "\n"
        "val words: DStream[String] = lines.flatMap(one=>{one.split(\" \")})\n"
        "val pairWords: DStream[(String, Int)] = words.map(one=>{(one,1)})\n"
        "val result: DStream[(String, Int)] = pairWords.reduceByKey((v1:Int, v2:Int)=>{v1+v2})\n"
        "//result.print(100)       \n"
        "\n"
        "result.foreachRDD(wordCountRDD=>{\n"
        "\n"
        "      println(\"******* produce in Driver *******\")\n"
        "\n"
        "      val sortRDD: RDD[(String, Int)] = wordCountRDD.sortByKey(false)\n"
        "      val result: RDD[(String, Int)] = sortRDD.filter(tp => {\n"
        "        println(\"******* produce in Executor *******\")\n"
        "        true\n"
        "      })\n"
        "      result.count()\n"
        "    })\n"
        "\n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "//ssc.stop(stopSparkContext= false)\n",
        "ssc.sparkContext.setLogLevel(\"ERROR\")\n"
        "val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "\n"
        "    val words: DStream[String] = lines.flatMap(line=>{line.split(\" \")})\n"
        "    val pairWords: DStream[(String, Int)] = words.map(word => {(word, 1)})\n"
        "\n"
        "//ssc.checkpoint(\"./data/streamingCheckpoint\")\n"
        "ssc.sparkContext.setCheckpointDir(\"./data/streamingCheckpoint\")\n"
        "\n"
        "\t/**\n"
        "      * currentValues :当前批次某个 key 对应所有的value 组成的一个集合 Seq[]\n"
        "      * preValue : 以往批次当前key 对应的总状态值Option[]\n"
        "      */\n"
        " \n"
        "val result: DStream[(String, Int)] = pairWords.updateStateByKey((currentValues: Seq[Int], preValue: Option[Int]) => {\n"
        "      var totalValues = 0\n"
        "      if (!preValue.isEmpty) {\n"
        "        totalValues += preValue.get\n"
        "      }\n"
        "      for(value <- currentValues){\n"
        "        totalValues += value\n"
        "      }\n"
        "\n"
        "      Option(totalValues)\n"
        "    })\n"
        "   \n"
        "result.print()\n"
        "\n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "ssc.stop()\n",
        "ssc.sparkContext.setLogLevel(\"Error\")\n"
        " \n"
        "   /**\n"
        "      * 广播名单\n"
        "      */\n"
        "val blackList: Broadcast[ListBuffer[String]] = ssc.sparkContext.broadcast(ListBuffer[String](\"zhangsan\",\"lisi\"))\n"
        "\n"
        "val lines: ReceiverInputDStream[String] = ssc.socketTextStream(\"node4\",9999)\n"
        "val pairLines: DStream[(String, String)] = lines.map(line=>{(line.split(\" \")(1),line)})\n"
        "val resultDStream: DStream[String] = pairLines.transform((pairRDD:RDD[(String,String)]) => {\n"
        "      println(\"++++++ Driver1+++++++\")\n"
        "      blackList.value.foreach(println)\n"
        "\n"
        "      val filterRDD: RDD[(String, String)] = pairRDD.filter(tp => {\n"
        "        val nameList: ListBuffer[String] = blackList.value\n"
        "        !nameList.contains(tp._1)\n"
        "      })\n"
        "\n"
        "////     filterRDD.map(tp => tp._1).collect().foreach(println)\n"
        "//      val a = filterRDD.map(tp => tp._1).collect()\n"
        "//      println(\"++++++ Driver Code  end +++++++\")\n"
        "\n"
        "      val returnRDD: RDD[String] = filterRDD.map(tp => tp._2)\n"
        "\n"
        "      returnRDD\n"
        "    })\n"
        "\n"
        "    resultDStream.print()\n"
        "\n"
        "    pairLines.foreachRDD(  (pairRDD:RDD[(String,String)]) => {\n"
        "\n"
        "\n"
        "      val filterRDD: RDD[(String, String)] = pairRDD.filter(tp => {\n"
        "        val nameList: ListBuffer[String] = blackList.value\n"
        "        !nameList.contains(tp._1)\n"
        "      })\n"
        "      println(\"++++++ Driver2 Code start+++++++\")\n"
        "      //     filterRDD.map(tp => tp._1).collect().foreach(println)\n"
        "      val a = filterRDD.map(tp => tp._1).collect()\n"
        "      a.foreach( (one) =>{\n"
        "        println(one)\n"
        "        blackList.value.append(one)})\n"
        "      println(\"++++++ Driver2 Code  end +++++++\")\n"
        "\n"
        "    })\n"
        "   \n"
        "ssc.start()\n"
        "ssc.awaitTermination()\n"
        "ssc.stop()\n",
        "    //设置日志级别\n"
        "    ssc.sparkContext.setLogLevel(\"Error\")\n"
        "\n"
        "    val kafkaParams = Map[String, Object](\n"
        "      \"bootstrap.servers\" -> \"node1:9092,node2:9092,node3:9092\",\n"
        "      \"key.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"value.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"group.id\" -> \"MyGroupId\",//\n"
        "\n"
        "      /**\n"
        "        * 当没有初始的offset，或者当前的offset不存在，如何处理数据\n"
        "        *  none:没有找到以前的offset,抛出异常\n"
        "        */\n"
        "      \"auto.offset.reset\" -> \"earliest\",\n"
        "\n"
        "      /**\n"
        "        * 当设置 enable.auto.commit为false时 (自动提交)\n"
        "        */\n"
        "      \"enable.auto.commit\" -> (false: java.lang.Boolean)//默认是true\n"
        "    )\n"
        "\n"
        "    val topics = Array(\"testtopic\")\n"
        "    val stream: InputDStream[ConsumerRecord[String, String]] = KafkaUtils.createDirectStream[String, String](\n"
        "      ssc,\n"
        "      PreferConsistent,//策略\n"
        "      Subscribe[String, String](topics, kafkaParams)\n"
        "    )\n"
        "\n"
        "    val transStrem: DStream[String] = stream.map(record => {\n"
        "      val key_value = (record.key, record.value)\n"
        "      println(\"receive message key = \"+key_value._1)\n"
        "      println(\"receive message value = \"+key_value._2)\n"
        "      key_value._2\n"
        "    })\n"
        "    val wordsDS: DStream[String] = transStrem.flatMap(line=>{line.split(\" \")})\n"
        "    val result: DStream[(String, Int)] = wordsDS.map((_,1)).reduceByKey(_+_)\n"
        "    result.print()\n"
        "\n"
        "    /**\n"
        "      * 以上业务处理完成之后\n"
        "      */\n"
        "    stream.foreachRDD { rdd =>\n"
        "      val offsetRanges: Array[OffsetRange] = rdd.asInstanceOf[HasOffsetRanges].offsetRanges\n"
        "      // some time later, after outputs have completed\n"
        "      stream.asInstanceOf[CanCommitOffsets].commitAsync(offsetRanges)\n"
        "    }\n"
        "    ssc.start()\n"
        "    ssc.awaitTermination()\n"
        "    ssc.stop()\n",
        "    val jedis = RedisClient.pool.getResource\n"
        "    jedis.select(db)\n"
        "    val result: util.Map[String, String] = jedis.hgetAll(topic)\n"
        "    RedisClient.pool.returnResource(jedis)\n"
        "    if(result.size()==0){\n"
        "      result.put(\"0\",\"0\")\n"
        "      result.put(\"1\",\"0\")\n"
        "      result.put(\"2\",\"0\")\n"
        "    }\n"
        "    import scala.collection.JavaConversions.mapAsScalaMap\n"
        "    val offsetMap: scala.collection.mutable.Map[String, String] = result\n"
        "    offsetMap\n"
        "    offsetRanges.foreach(one=>{\n"
        "      jedis.hset(one.topic, one.partition.toString,one.untilOffset.toString)\n"
        "    })\n"
        "    //设置日志级别\n"
        "    ssc.sparkContext.setLogLevel(\"Error\")\n"
        "\n"
        "    val topic = \"testtopic\"\n"
        "    /**\n"
        "      * 从Redis 中获取消费者offset\n"
        "      */\n"
        "    val dbIndex = 3\n"
        "    val currentTopicOffset: mutable.Map[String, String] = getOffSetFromRedis(dbIndex,topic)\n"
        "    //初始读取到的topic offset:\n"
        "    currentTopicOffset.foreach(x=>{println(s\" 初始读取到的offset: $x\")})\n"
        "\n"
        "    //转换成需要的类型\n"
        "    val fromOffsets: Predef.Map[TopicPartition, Long] = currentTopicOffset.map { resultSet =>\n"
        "      new TopicPartition(topic, resultSet._1.toInt) -> resultSet._2.toLong\n"
        "    }.toMap\n"
        "\n"
        "    val kafkaParams = Map[String, Object](\n"
        "      \"bootstrap.servers\" -> \"node1:9092,node2:9092,node3:9092\",\n"
        "      \"key.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"value.deserializer\" -> classOf[StringDeserializer],\n"
        "      \"group.id\" -> \"MyGroupId\",\n"
        "      \"auto.offset.reset\" -> \"latest\"\n"
        "    )\n"
        "    /**\n"
        "      * 将获取到的消费者offset 传递给SparkStreaming\n"
        "      */\n"
        "    val stream = KafkaUtils.createDirectStream[String, String](\n"
        "      ssc,\n"
        "      PreferConsistent,\n"
        "      ConsumerStrategies.Assign[String, String](fromOffsets.keys.toList, kafkaParams, fromOffsets)\n"
        "    )\n"
        "\n"
        "\n"
        "    stream.foreachRDD { rdd =>\n"
        "\n"
        "      println(\"**** 业务处理完成  ****\")\n"
        "\n"
        "      val offsetRanges: Array[OffsetRange] = rdd.asInstanceOf[HasOffsetRanges].offsetRanges\n"
        "\n"
        "      rdd.foreachPartition { iter =>\n"
        "        val o: OffsetRange = offsetRanges(TaskContext.get.partitionId)\n"
        "        println(s\"topic:${o.topic}  partition:${o.partition}  fromOffset:${o.fromOffset}  untilOffset: ${o.untilOffset}\")\n"
        "      }\n"
        "\n"
        "      //将当前批次最后的所有分区offsets 保存到 Redis中\n"
        "      saveOffsetToRedis(dbIndex,offsetRanges)\n"
        "    }\n"
        "\n"
        "    ssc.start()\n"
        "    ssc.awaitTermination()\n"
        "    ssc.stop()\n",
        "app \"Counts\"\n"
        "batch Seconds(2)\n"
        "master \"local[*]\"\n"
        "checkpoint \"/tmp/ck\" every 10s\n"
        "offsets redis \"redis://localhost:6379/3\"\n"
        "conf \"spark.streaming.backpressure.enabled\" = true\n"
        "conf \"spark.ui.port\" = 4040\n"
        "val batch = 1\n"
        "batch.print()\n"
        "ssc.checkpoint(dir)\n",
        "val a = xs.map(x => x + 1)\n"
        "val b = xs.map((x: Int) => { x * 2 })\n"
        "val c = pairs.map { case (k, (v, _)) => k }\n"
        "val d = pairs.map { case (k: String, v) =>\n"
        "  val s = k + v\n"
        "  s\n"
        "}\n"
        "val e = xs.map { x => x - 1 }\n"
        "val f = () => 1\n"
        "val g = _ => 2\n"
        "val h = xs.reduce((_, y) => y)\n"
        "val u = ()\n",
        "val counts = lines\n"
        "  .flatMap(_.split(\" \"))   // words\n"
        "  /* pairs */\n"
        "  .map((_, 1))\n"
        "\n"
        "  .reduceByKey(_ + _)\n"
        "val total = a +\n"
        "  b *\n"
        "  c\n"
        "if (total > 10)\n"
        "  println(\"big\")\n"
        "else\n"
        "  println(\"small\")\n"
        "for (w <- words)\n"
        "  n += 1\n",
    };
    static const char *const pieces[] = {
        "(", ")", "{", "}", "[", "]", "\"", "s\"", "${", "$", "=>", "\n", "val ", "case ",
        "/*", "*/", "//", "\\", "_", ".", ",", "if (", "else ", "\xff", "\t", "batch ",
        "5s", "'", "\"\"\"", "-> ", "\xe6\xa0\xb8", "0x", "1e", "\\u", ":", "= ",
    };
    enum { ROUNDS = 3000 };
    int failures = 0;
    size_t nseeds = sizeof seeds / sizeof seeds[0];
    size_t npieces = sizeof pieces / sizeof pieces[0];
    for (int round = 0; round < ROUNDS; round++) {
        const char *seed = seeds[rnd() % nseeds];
        size_t len = strlen(seed), cap = len * 2 + 64;
        char *buf = malloc(cap);
        memcpy(buf, seed, len);
        int edits = 1 + (int)(rnd() % 8);
        for (int e = 0; e < edits; e++) {
            size_t pos = len ? rnd() % len : 0;
            switch (rnd() % 5) {
            case 0: /* overwrite a byte (NUL included) */
                if (len)
                    buf[pos] = (char)rnd();
                break;
            case 1: { /* delete a run */
                size_t n = rnd() % 16;
                if (pos + n > len)
                    n = len - pos;
                memmove(buf + pos, buf + pos + n, len - pos - n);
                len -= n;
                break;
            }
            case 2: { /* insert a token-like piece */
                const char *p = pieces[rnd() % npieces];
                size_t n = strlen(p);
                if (len + n < cap) {
                    memmove(buf + pos + n, buf + pos, len - pos);
                    memcpy(buf + pos, p, n);
                    len += n;
                }
                break;
            }
            case 3: /* cut the end */
                len = pos;
                break;
            default: { /* duplicate a run */
                size_t n = rnd() % 32;
                if (pos + n > len)
                    n = len - pos;
                if (len + n < cap) {
                    memmove(buf + pos + n, buf + pos, len - pos);
                    len += n;
                }
                break;
            }
            }
        }
        failures += !survives(buf, len);
        free(buf);
    }
    /* random bytes */
    for (int round = 0; round < 200; round++) {
        size_t len = rnd() % 512;
        char *buf = malloc(len + 1);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)rnd();
        failures += !survives(buf, len);
        free(buf);
    }
    /* deep nesting: the parser's stack limit gives an error, not a crash */
    size_t n = 200000;
    char *deep = malloc(n + 16);
    memcpy(deep, "val x = ", 8);
    memset(deep + 8, '(', n);
    failures += !survives(deep, n + 8);
    memset(deep + 8, '{', n);
    failures += !survives(deep, n + 8);
    for (size_t i = 8; i + 4 <= n; i += 4)
        memcpy(deep + i, "s\"${", 4);
    failures += !survives(deep, n + 8);
    free(deep);
    CU_ASSERT_EQUAL(failures, 0);
}

UNIT_SUITE(parser,
           {"LANGUAGE.md example", test_language_example},
           {"seed 1.2 socket word count", test_seed_socket_wordcount},
           {"seed 2.2 updateStateByKey", test_seed_update_state},
           {"seed 2.3 windows", test_seed_windows},
           {"seed 2.4 transform black list", test_seed_transform_blacklist},
           {"seed 2.5 text files", test_seed_text_files},
           {"seed 3.2 driver HA", test_seed_driver_ha},
           {"seed 4.2 Kafka direct", test_seed_kafka_direct},
           {"seed 4.2 Kafka offsets in Redis", test_seed_kafka_redis},
           {"header settings", test_header_settings},
           {"setting words checked", test_setting_words_checked},
           {"newlines", test_newlines},
           {"comments", test_comments},
           {"statements", test_statements},
           {"lambdas", test_lambdas},
           {"typed block lambda, BOM", test_typed_block_lambda},
           {"placeholders", test_placeholders},
           {"precedence", test_precedence},
           {"calls, types, new", test_calls_types_new},
           {"literals", test_literals},
           {"interpolation", test_interpolation},
           {"parse_expression", test_parse_expression},
           {"locations", test_locations},
           {"multiple errors", test_multiple_errors},
           {"unterminated string and comment", test_unterminated},
           {"bad escapes and characters", test_bad_escapes_and_chars},
           {"caret alignment", test_caret_alignment},
           {"lambda parameter errors", test_lambda_parameter_errors},
           {"garbage", test_garbage},
           {"source and diagnostics", test_source},
           {"pool and names", test_pool_and_names},
           {"fuzz", test_fuzz})
