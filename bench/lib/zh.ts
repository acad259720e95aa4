// Realistic Chinese science-and-technology news, generated deterministically: the anchor workload's
// upstream feeds (RSS 2.0, UTF-8, HTML in CDATA as Chinese news sites publish it), ~2 KB of HTML
// per item. Every (feed, item, variant) gives a distinct story: distinct link, guid, title and text,
// so no two items deduplicate against each other.

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

const SUBJECTS = [
  '中国科学院物理研究所', '清华大学研究团队', '我国科研人员', '中国科学技术大学潘建伟团队', '国家航天局',
  '北京大学化学与分子工程学院', '浙江大学医学院', '中国工程院院士团队', '上海交通大学', '哈尔滨工业大学',
  '中国电子科技集团', '国家超级计算无锡中心', '武汉大学遥感信息工程学院', '复旦大学附属中山医院', '南京大学天文学院',
  '中国农业科学院', '西安交通大学', '中国船舶集团', '华中科技大学', '中国科学院深海科学与工程研究所',
];
const ACTIONS = [
  '近日宣布', '成功研制出', '首次实现', '在国际学术期刊《自然》上发表论文，报道了', '联合多家单位攻克了',
  '完成了', '建成了', '发布了', '验证了', '在《科学》杂志在线发表了关于',
];
const OBJECTS = [
  '新型量子计算原型机', '高效钙钛矿太阳能电池', '万米级深海探测装备', '通用人工智能大模型', '新一代固态锂离子电池',
  '高温超导材料', '可重复使用运载火箭', '超导量子芯片', '碳纤维复合材料', '大口径光学望远镜', '基因编辑水稻新品种',
  '脑机接口系统', '氢燃料电池重卡', '第四代核电机组', '柔性显示屏', '低轨卫星互联网星座', '智能网联汽车操作系统',
  '国产高端数控机床', '病毒广谱抑制剂', '海上风电机组',
];
const FIELDS = ['新能源', '信息技术', '生物医药', '航空航天', '先进制造', '新材料', '现代农业', '海洋工程', '人工智能', '节能环保'];
const CLAUSES = [
  '该成果有望在{f}领域得到广泛应用',
  '据介绍，项目团队历时{n}年攻关，突破了多项关键核心技术',
  '专家表示，这标志着我国在{f}方面迈出了重要一步',
  '记者从发布会上了解到，相关技术已申请发明专利{n}项',
  '数据显示，今年前三季度相关产业产值同比增长{p}%',
  '研究人员通过大量实验发现，新方法的效率比传统方法提高了约{p}%',
  '下一步，团队将继续推进成果转化，力争早日实现产业化应用',
  '业内人士认为，{f}产业正处于由跟跑向并跑、领跑转变的关键时期',
  '该项目得到了国家重点研发计划和国家自然科学基金的支持',
  '目前，示范工程已在{c}等地落地，运行状况良好',
  '在此基础上，科研团队进一步优化了系统结构，显著降低了生产成本',
  '相关负责人指出，要坚持创新驱动发展战略，加快关键核心技术攻关',
];
const CITIES = ['北京', '上海', '深圳', '合肥', '杭州', '武汉', '成都', '西安', '南京', '广州', '苏州', '青岛'];
const AUTHORS = ['张佳星', '刘垠', '陆成宽', '付毅飞', '操秀英', '吴长锋', '马爱平', '李禾', '崔爽', '都芃'];
const TAGS = ['科技创新', '基础研究', '成果转化', '前沿技术', '产业发展', '科技政策', '国际合作', '人才培养'];

function sentence(r: () => number): string {
  const clause = pick(r, CLAUSES)
    .replace('{f}', pick(r, FIELDS))
    .replace('{n}', String(2 + Math.floor(r() * 9)))
    .replace('{p}', (5 + r() * 40).toFixed(1))
    .replace('{c}', pick(r, CITIES));
  return `${clause}。`;
}

export interface ZhItem {
  title: string;
  link: string;
  guid: string;
  html: string;
  author: string;
  tags: string[];
  pubDate: Date;
}

/** One story; `key` makes it unique (feed, item, variant). */
export function zhItem(feed: number, item: number, variant: number, linkBase: string, newest: Date): ZhItem {
  const r = rng(feed * 1_000_003 + item * 7919 + variant * 104_729 + 17);
  const subject = pick(r, SUBJECTS);
  const object = pick(r, OBJECTS);
  const id = `${variant}${String(feed).padStart(4, '0')}${String(item).padStart(3, '0')}`;
  const title = `${subject}${pick(r, ACTIONS)}${object}（第${id}号）`;
  const link = `${linkBase}/kj/${newest.getUTCFullYear()}/${id}.html`;
  const city = pick(r, CITIES);
  const author = pick(r, AUTHORS);
  const paragraphs: string[] = [];
  paragraphs.push(
    `<p>　　科技日报${city}${1 + Math.floor(r() * 28)}日电（记者 ${author}）${subject}${pick(r, ACTIONS)}${object}，` +
      `编号 ${id}。${sentence(r)}${sentence(r)}${sentence(r)}</p>`,
  );
  paragraphs.push(`<p>　　${sentence(r)}${sentence(r)}<strong>${sentence(r)}</strong>${sentence(r)}</p>`);
  paragraphs.push(
    `<p style="text-align: center;"><img src="/images/${id}.jpg" alt="${object}" width="600" height="400" /></p>` +
      `<p style="text-align: center;">图为${object}（资料图片）</p>`,
  );
  paragraphs.push(`<p>　　${sentence(r)}${sentence(r)}${sentence(r)}</p>`);
  paragraphs.push(`<p>　　“${sentence(r)}${sentence(r)}”${pick(r, AUTHORS)}说。${sentence(r)}${sentence(r)}</p>`);
  paragraphs.push(
    `<p>　　${sentence(r)}详见<a href="${linkBase}/kj/special/${Number(id) % 97}.html" target="_blank">专题报道</a>。${sentence(r)}</p>`,
  );
  paragraphs.push(`<p>　　（责任编辑：${pick(r, AUTHORS)}）</p>`);
  return {
    title,
    link,
    guid: link,
    html: paragraphs.join('\n'),
    author,
    tags: [pick(r, TAGS), pick(r, FIELDS)],
    pubDate: new Date(newest.getTime() - item * 17 * 60_000 - Math.floor(r() * 600_000)),
  };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An RSS 2.0 document of `items` stories, newest first. */
export function zhFeed(feed: number, items: number, variant: number, linkBase = 'https://www.example-news.cn', newest = new Date(Date.UTC(2026, 10, 20, 8))): string {
  const parts: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n',
    `<title>科技日报新闻 · 频道${feed}</title>\n<link>${linkBase}/kj/</link>\n<description>科技日报的科技创新新闻</description>\n`,
    '<language>zh-CN</language>\n<generator>CMS 4.2</generator>\n',
    `<lastBuildDate>${newest.toUTCString()}</lastBuildDate>\n`,
  ];
  for (let i = 0; i < items; i++) {
    const it = zhItem(feed, i, variant, linkBase, newest);
    parts.push(
      '<item>\n' +
        `<title>${escapeXml(it.title)}</title>\n<link>${it.link}</link>\n<guid isPermaLink="true">${it.guid}</guid>\n` +
        `<description><![CDATA[${it.html}]]></description>\n` +
        `<dc:creator>${it.author}</dc:creator>\n${it.tags.map((t) => `<category>${t}</category>`).join('')}\n` +
        `<pubDate>${it.pubDate.toUTCString()}</pubDate>\n</item>\n`,
    );
  }
  parts.push('</channel>\n</rss>\n');
  return parts.join('');
}
