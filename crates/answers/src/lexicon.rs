//! The word lists the analysis uses: stop words, weak words, synonyms, single-character verbs,
//! and the domain words jieba must cut whole.
//!
//! Kept in code, not in the knowledge base's file: they tune how the search reads Chinese, which
//! the tests and the evaluation check, while the file holds what a district says. The lists are
//! laid out by hand (`rustfmt::skip`): one word a line would make them hard to read.

/// Words that say how a citizen asks, not what about: greetings, pronouns, particles, question
/// words, and the district's own place names (every entry is about Pingshan, so they tell
/// entries apart no better than "的"). "办理", "需要" and "材料" stay: see [`WEAK_WORDS`].
#[rustfmt::skip]
pub(crate) const STOP_WORDS: &[&str] = &[
    // Greetings, politeness, chat.
    "你好", "您好", "在吗", "在不在", "请问", "问下", "问一下", "想问", "想问下", "咨询", "谢谢",
    "谢谢你", "麻烦", "请", "hi", "hello", "好", "好的", "嗯", "喂",
    // Particles.
    "的", "了", "吗", "呢", "啊", "吧", "呀", "哦", "嘛", "么", "啦", "哈", "呗", "着", "过", "地",
    // Pronouns and people in general.
    "我", "我们", "你", "您", "你们", "他", "她", "它", "他们", "她们", "咱们", "大家", "本人",
    "自己",
    // Question words.
    "怎么", "怎么样", "怎样", "如何", "怎么办", "咋", "咋办", "怎么弄", "怎么搞", "哪里", "哪儿",
    "哪", "在哪", "在哪里", "去哪", "去哪里", "去哪儿", "哪个", "哪些", "哪家", "什么", "啥",
    "什么样", "多少", "多久", "几", "为什么", "是否", "有没有", "是不是", "能不能", "可不可以",
    "要不要", "会不会",
    // Modal and linking words, vague quantities and times.
    "可以", "能", "能够", "会", "要", "想", "想要", "需", "得", "应该", "该", "是", "有", "在",
    "去", "到", "来", "和", "跟", "与", "及", "或", "或者", "还是", "还", "就", "都", "也", "又",
    "再", "才", "把", "被", "给", "让", "对", "从", "为", "向", "之", "这", "那", "这个", "那个",
    "这些", "那些", "个", "些", "一", "一下", "下", "一个", "弄", "搞", "做", "现在", "今天",
    "已经", "一直", "如果", "但是", "因为", "所以", "然后", "时候", "情况", "两个", "几个",
    "三个", "有些", "那天", "这种",
    // The district itself.
    "坪山", "坪山区", "深圳", "深圳市", "本地", "这边", "这里",
];

/// What citizens do about any topic, not the topic: each counts half a word, so that a question
/// about something the knowledge base lacks (驾驶证到期, 医院乱收费去哪投诉) is not answered on
/// the strength of its verb alone, while the verb still tells 补办身份证 from 换领身份证.
#[rustfmt::skip]
pub(crate) const WEAK_WORDS: &[&str] = &[
    "办理", "申请", "申领", "投诉", "预约", "领取", "查询", "丢失", "到期", "过期", "材料",
    "条件", "手续", "要求", "时间", "需要", "证明", "补办", "换领", "缴费", "报销",
];

/// Spellings rewritten to one canonical spelling before segmentation, on entries and queries
/// alike, so a query matches an entry that says the same thing in other words. Longest match
/// wins; a spelling that maps to itself shields a longer name from a shorter rewrite.
#[rustfmt::skip]
pub(crate) const SYNONYMS: &[(&str, &str)] = &[
    // Insurance names: the formal and the everyday name.
    ("社会保险", "社保"), ("社会保障卡", "社保卡"), ("医疗保险", "医保"), ("医疗保障", "医保"),
    ("医保码", "医保电子凭证"), ("退休金", "养老金"), ("退休工资", "养老金"),
    ("养老待遇", "养老金"), ("失业保险金", "失业金"), ("失业补助金", "失业金"),
    ("门诊特定病种", "门特"), ("特定病种", "门特"), ("特病", "门特"), ("慢性病", "门特"),
    ("慢病", "门特"), ("买社保", "社保参保"), ("买医保", "医保参保"),
    ("参加社保", "社保参保"), ("参加医保", "医保参保"), ("自由职业", "灵活就业"),
    ("缴纳", "缴费"), ("交费", "缴费"), ("交钱", "缴费"),
    ("还剩多少钱", "余额"), ("剩多少钱", "余额"), ("还有多少钱", "余额"),
    // Household and identity.
    ("户籍", "户口"), ("户口簿", "户口本"), ("居民身份证", "身份证"), ("落户", "入户"),
    ("上户口", "入户"), ("报户口", "入户"), ("转到", "迁到"), ("出生证明", "出生医学证明"),
    ("改个名", "改名"), ("改名字", "改名"), ("更名", "改名"), ("改姓", "改名"),
    // A document of its own, not 港澳台 plus 通行证 (which the cross-border marriage entry
    // names): kept whole.
    ("港澳通行证", "港澳通行证"),
    // Marriage.
    ("扯证", "结婚登记"), ("领证", "结婚登记"), ("登记结婚", "结婚登记"),
    ("结婚登记记录", "婚姻登记记录"), ("结婚记录", "婚姻登记记录"),
    ("婚检", "婚前检查"), ("婚前体检", "婚前检查"), ("婚前医学检查", "婚前检查"),
    ("单身证明", "婚姻状况证明"), ("未婚证明", "婚姻状况证明"), ("婚姻证明", "婚姻状况证明"),
    ("合照", "照片"), ("合影", "照片"), ("相片", "照片"),
    ("外国人", "外籍"), ("外籍人士", "外籍"), ("老外", "外籍"),
    ("香港", "港澳台"), ("澳门", "港澳台"), ("台湾", "港澳台"), ("港澳", "港澳台"),
    // Nationalities common among Shenzhen's cross-border marriages: each is 外籍 to the search.
    ("越南", "外籍"), ("泰国", "外籍"), ("缅甸", "外籍"), ("老挝", "外籍"), ("柬埔寨", "外籍"),
    ("菲律宾", "外籍"), ("印尼", "外籍"), ("印度尼西亚", "外籍"), ("马来西亚", "外籍"),
    ("新加坡", "外籍"), ("日本", "外籍"), ("韩国", "外籍"), ("美国", "外籍"), ("英国", "外籍"),
    ("法国", "外籍"), ("德国", "外籍"), ("俄罗斯", "外籍"), ("加拿大", "外籍"),
    ("澳大利亚", "外籍"), ("巴基斯坦", "外籍"), ("非洲", "外籍"),
    // Children.
    ("宝宝", "新生儿"), ("婴儿", "新生儿"), ("小孩", "孩子"), ("小朋友", "孩子"),
    ("儿子", "孩子"), ("女儿", "孩子"), ("生孩子", "生育"), ("生小孩", "生育"), ("分娩", "生育"),
    // Losing, damaging, replacing.
    ("丢了", "丢失"), ("找不到", "丢失"), ("被偷", "丢失"), ("被盗", "丢失"), ("偷了", "丢失"),
    ("弄丢", "丢失"), ("遗失", "丢失"), ("掉了", "丢失"), ("不见了", "丢失"),
    ("坏了", "损坏"), ("撕坏", "损坏"), ("损毁", "损坏"), ("烂了", "损坏"), ("破了", "损坏"),
    ("补领", "补办"), ("补证", "补办"), ("重办", "补办"),
    // Employment.
    ("公司", "单位"), ("老板", "单位"), ("用人单位", "单位"), ("辞退", "解雇"),
    ("开除", "解雇"), ("裁员", "解雇"), ("离职", "辞职"), ("过世", "去世"), ("离世", "去世"),
    ("举报", "投诉"),
    // Everyday words for the same act or thing.
    ("看病", "就医"), ("就诊", "就医"), ("药房", "药店"), ("手机上", "网上"), ("线上", "网上"),
    ("在线", "网上"), ("东西", "材料"), ("资料", "材料"), ("办手续", "手续"),
    ("忘带", "没带"), ("忘记带", "没带"),
];

/// Single-character verbs, as jieba leaves them in colloquial questions (补身份证, 社保怎么转,
/// 能报多少), read as the two-character word an entry would use. Only after segmentation: as
/// text rewrites they would also change 补 in 补贴 and 交 in 交通.
#[rustfmt::skip]
pub(crate) const VERBS: &[(&str, &str)] = &[
    ("补", "补办"), ("换", "换领"), ("丢", "丢失"), ("转", "转移"), ("迁", "迁移"), ("交", "缴费"),
    ("缴", "缴费"), ("领", "领取"), ("查", "查询"), ("报", "报销"), ("改", "改名"),
];

/// Words jieba's general dictionary lacks or cuts apart, added so each is one term (its parts
/// still count, as sub-words): the canonical spellings above and the entries' key terms.
#[rustfmt::skip]
pub(crate) const DOMAIN_WORDS: &[&str] = &[
    "社保", "社保卡", "医保", "医保卡", "医保电子凭证", "养老金", "失业金", "门特", "生育津贴",
    "异地就医", "家庭共济", "灵活就业", "断缴", "补缴", "停保", "参保", "工伤认定", "少儿医保",
    "重疾险", "惠民保", "户口本", "入户", "深户", "居住证", "居住登记", "身份证", "临时身份证",
    "亲属关系", "出生医学证明", "结婚登记", "离婚登记", "结婚证", "离婚证", "婚前检查",
    "婚姻状况证明", "婚姻登记记录", "离婚冷静期", "新生儿", "外籍", "港澳台", "港澳通行证",
    "改名", "余额", "损坏", "缴费", "补办", "换领", "挂失", "丢失", "备案",
];
