/**
 * Demonstration data drawn from public reporting. Every claim cites the public source it comes
 * from; targets appear by category and pseudonym only, never by name. Attribution confidences
 * follow what the cited source itself says. Where a detail could not be checked it was left out.
 */
export interface DemoSource {
  kind: 'forensic-report' | 'news' | 'court-record' | 'leak' | 'testimony' | 'other';
  title: string;
  publisher: string;
  date: string;
  url: string;
}

export const demoVendors = [
  {
    slug: 'nso-group', name: 'NSO Group', nameAr: 'مجموعة NSO', aliases: ['NSO Group Technologies', 'Q Cyber Technologies', 'إن إس أو'], hqCountry: 'IL',
    website: 'https://www.nsogroup.com',
    summary: 'Israeli developer of the Pegasus spyware, sold to government clients.', summaryAr: 'شركة إسرائيلية طوّرت برنامج التجسس بيغاسوس وتبيعه لعملاء حكوميين.',
  },
  {
    slug: 'candiru', name: 'Candiru (Saito Tech Ltd)', nameAr: 'كانديرو (سايتو تك)', aliases: ['Saito Tech', 'Candiru', 'SOURGUM', 'كانديرو'], hqCountry: 'IL',
    summary: 'Israeli mercenary spyware vendor, maker of the DevilsTongue Windows implant; has operated under several company names.', summaryAr: 'شركة إسرائيلية لبرامج التجسس المأجورة، صانعة أداة الزرع DevilsTongue لنظام ويندوز؛ عملت تحت أسماء شركات عدة.',
    formerNames: [{ name: 'Candiru Ltd' }, { name: 'DF Associates Ltd' }, { name: 'Grindavik Solutions Ltd' }, { name: 'Taveta Ltd' }],
  },
  {
    slug: 'intellexa', name: 'Intellexa', nameAr: 'إنتليكسا', aliases: ['Intellexa S.A.', 'Intellexa Limited', 'Intellexa Consortium', 'إنتلكسا'], hqCountry: 'GR',
    summary: 'Consortium of companies marketing the Predator spyware to government clients.', summaryAr: 'تحالف شركات يسوّق برنامج التجسس بريداتور لعملاء حكوميين.',
  },
  {
    slug: 'cytrox', name: 'Cytrox', nameAr: 'سايتروكس', aliases: ['Cytrox AD', 'Cytrox Holdings Zrt', 'سيتروكس'], hqCountry: 'MK', parent: 'intellexa',
    summary: 'North Macedonian developer of the Predator spyware, part of the Intellexa consortium.', summaryAr: 'شركة من مقدونيا الشمالية طوّرت برنامج التجسس بريداتور، وهي جزء من تحالف إنتليكسا.',
  },
  {
    slug: 'thalestris', name: 'Thalestris Limited', nameAr: 'ثاليستريس', aliases: [], hqCountry: 'IE', parent: 'intellexa',
    summary: 'Irish company of the Intellexa consortium.', summaryAr: 'شركة إيرلندية من تحالف إنتليكسا.',
  },
  { slug: 'finfisher', name: 'FinFisher', nameAr: 'فين فيشر', aliases: ['FinFisher GmbH', 'Gamma International', 'فينفيشر'], hqCountry: 'DE', summary: 'German maker of the FinSpy surveillance suite.', summaryAr: 'شركة ألمانية صانعة حزمة المراقبة FinSpy.' },
  {
    slug: 'memento-labs', name: 'Memento Labs', nameAr: 'ميمنتو لابز', aliases: ['Hacking Team', 'HT S.r.l.', 'هاكينغ تيم'], hqCountry: 'IT',
    formerNames: [{ name: 'Hacking Team', to: '2019-12-31' }],
    summary: 'Italian vendor, formerly Hacking Team, maker of the Remote Control System (Galileo / Da Vinci).', summaryAr: 'شركة إيطالية، هاكينغ تيم سابقًا، صانعة نظام التحكم عن بعد (Galileo / Da Vinci).',
  },
  { slug: 'paragon', name: 'Paragon Solutions', nameAr: 'باراغون', aliases: ['Paragon', 'باراجون'], hqCountry: 'IL', summary: 'Israeli developer of the Graphite spyware.', summaryAr: 'شركة إسرائيلية طوّرت برنامج التجسس غرافيت.' },
  { slug: 'quadream', name: 'QuaDream', nameAr: 'كوادريم', aliases: ['InReach Technologies'], hqCountry: 'IL', summary: 'Israeli vendor of the REIGN iPhone spyware.', summaryAr: 'شركة إسرائيلية تبيع برنامج التجسس REIGN لأجهزة آيفون.' },
  { slug: 'variston', name: 'Variston IT', nameAr: 'فاريستون', aliases: ['Variston'], hqCountry: 'ES', summary: 'Barcelona-based company linked by Google to the Heliconia exploitation framework.', summaryAr: 'شركة مقرّها برشلونة، ربطتها غوغل بإطار الاستغلال Heliconia.' },
];

/** Official actions already cited on the vendors' profiles (listings/model.ts), with the basis each states. */
export const demoActions = [
  {
    slug: 'us-entity-list-2021-11-04', regime: 'us-entity-list', kind: 'listing', date: '2021-11-04',
    citation: 'BIS final rule “Addition of Certain Entities to the Entity List” (15 CFR Part 744), effective 4 Nov 2021',
    url: 'https://www.commerce.gov/news/press-releases/2021/11/commerce-adds-nso-group-and-other-foreign-companies-entity-list',
    entities: [{ vendor: 'nso-group', asNamed: 'NSO Group (Israel)' }, { vendor: 'candiru', asNamed: 'Candiru (Israel)' }],
    basis: 'Developed and supplied spyware to foreign governments that used these tools to maliciously target government officials, journalists, businesspeople, activists, academics and embassy workers (US Department of Commerce press release).',
    basisAr: 'طوّرت برامج تجسس وزوّدت بها حكومات أجنبية استخدمتها لاستهداف مسؤولين حكوميين وصحفيين ورجال أعمال وناشطين وأكاديميين وموظفي سفارات (بيان وزارة التجارة الأمريكية).',
  },
  {
    slug: 'us-entity-list-2023-07-18', regime: 'us-entity-list', kind: 'listing', date: '2023-07-18',
    citation: 'BIS final rule “Additions to the Entity List”, FR Doc. 2023-15343, effective 18 Jul 2023',
    url: 'https://www.federalregister.gov/d/2023-15343',
    entities: [{ vendor: 'intellexa', asNamed: 'Intellexa S.A. (Greece); Intellexa Limited (Ireland)' }, { vendor: 'cytrox', asNamed: 'Cytrox AD (North Macedonia); Cytrox Holdings Zrt (Hungary)' }],
    basis: 'Trafficking in cyber exploits used to gain access to information systems, threatening the privacy and security of individuals and organisations worldwide.',
    basisAr: 'الاتجار بثغرات إلكترونية تُستخدم للوصول إلى أنظمة المعلومات، بما يهدد خصوصية الأفراد والمنظمات وأمنهم في أنحاء العالم.',
  },
  {
    slug: 'us-ofac-sdn-2024-03-05', regime: 'us-ofac-sdn', kind: 'listing', date: '2024-03-05',
    citation: 'US Treasury (OFAC) designation of members of the Intellexa Commercial Spyware Consortium, 5 Mar 2024 (Executive Order 13694, as amended)',
    url: 'https://home.treasury.gov/news/press-releases',
    entities: [{ vendor: 'intellexa', asNamed: 'Intellexa S.A.; Intellexa Limited' }, { vendor: 'cytrox', asNamed: 'Cytrox AD; Cytrox Holdings Zrt' }, { vendor: 'thalestris', asNamed: 'Thalestris Limited' }],
    basis: 'Developing, operating and distributing commercial spyware used to target Americans, including US government officials, journalists and policy experts.',
    basisAr: 'تطوير برامج تجسس تجارية وتشغيلها وتوزيعها، استُخدمت لاستهداف أمريكيين بينهم مسؤولون حكوميون وصحفيون وخبراء سياسات.',
  },
];

export const demoProducts = [
  { slug: 'pegasus', name: 'Pegasus', nameAr: 'بيغاسوس', aliases: ['بيجاسوس', 'Pegasus spyware'], vendor: 'nso-group', category: 'spyware', description: 'Mobile spyware for iOS and Android, delivered by one-click links, network injection and zero-click exploits.', descriptionAr: 'برنامج تجسس للهواتف بنظامي iOS وأندرويد، يُزرع عبر روابط بنقرة واحدة وحقن الشبكة وثغرات بلا نقرة.' },
  { slug: 'devilstongue', name: 'DevilsTongue', nameAr: 'ديفلز تونغ', aliases: ['Sherlock'], vendor: 'candiru', category: 'spyware', description: 'Windows implant attributed by Microsoft and Citizen Lab to Candiru.', descriptionAr: 'أداة زرع لنظام ويندوز نسبتها مايكروسوفت وسيتيزن لاب إلى كانديرو.' },
  { slug: 'predator', name: 'Predator', nameAr: 'بريداتور', aliases: ['Alien', 'بريديتور'], vendor: 'cytrox', category: 'spyware', description: 'Mobile spyware developed by Cytrox and marketed by the Intellexa consortium.', descriptionAr: 'برنامج تجسس للهواتف طوّرته سايتروكس ويسوّقه تحالف إنتليكسا.' },
  { slug: 'finspy', name: 'FinSpy', nameAr: 'فين سباي', aliases: ['FinFisher'], vendor: 'finfisher', category: 'spyware', description: 'Surveillance suite for Windows, macOS, Linux, Android and iOS.', descriptionAr: 'حزمة مراقبة لأنظمة ويندوز وmacOS ولينكس وأندرويد وiOS.' },
  { slug: 'rcs-galileo', name: 'Remote Control System (Galileo)', nameAr: 'نظام التحكم عن بعد (غاليليو)', aliases: ['RCS', 'Galileo', 'Da Vinci'], vendor: 'memento-labs', category: 'spyware', description: 'Hacking Team’s remote-control implant family.', descriptionAr: 'عائلة أدوات الزرع للتحكم عن بعد من هاكينغ تيم.' },
  { slug: 'graphite', name: 'Graphite', nameAr: 'غرافيت', aliases: ['غرافايت'], vendor: 'paragon', category: 'spyware', description: 'Mobile spyware focused on messaging applications.', descriptionAr: 'برنامج تجسس للهواتف يركّز على تطبيقات المراسلة.' },
  { slug: 'reign', name: 'REIGN', nameAr: 'رين', aliases: ['Reign'], vendor: 'quadream', category: 'spyware', description: 'iPhone spyware delivered by zero-click exploits.', descriptionAr: 'برنامج تجسس لأجهزة آيفون يُزرع عبر ثغرات بلا نقرة.' },
  { slug: 'heliconia', name: 'Heliconia', nameAr: 'هيليكونيا', aliases: [], vendor: 'variston', category: 'spyware', description: 'Exploitation framework for Chrome, Firefox and Windows Defender described by Google TAG.', descriptionAr: 'إطار استغلال لمتصفحي كروم وفايرفوكس ولبرنامج Windows Defender، وصفه فريق TAG في غوغل.' },
];

export const demoGovernments = [
  { slug: 'saudi-arabia', country: 'SA', name: 'Government of Saudi Arabia', nameAr: 'حكومة المملكة العربية السعودية' },
  { slug: 'morocco', country: 'MA', name: 'Government of Morocco', nameAr: 'الحكومة المغربية' },
  { slug: 'united-arab-emirates', country: 'AE', name: 'Government of the United Arab Emirates', nameAr: 'حكومة الإمارات العربية المتحدة' },
  { slug: 'bahrain', country: 'BH', name: 'Government of Bahrain', nameAr: 'حكومة البحرين' },
  { slug: 'egypt', country: 'EG', name: 'Government of Egypt', nameAr: 'الحكومة المصرية' },
  { slug: 'el-salvador', country: 'SV', name: 'Government of El Salvador', nameAr: 'حكومة السلفادور' },
  { slug: 'italy', country: 'IT', name: 'Government of Italy', nameAr: 'الحكومة الإيطالية' },
  { slug: 'ethiopia', country: 'ET', name: 'Government of Ethiopia', nameAr: 'الحكومة الإثيوبية', agencies: [{ name: 'Information Network Security Agency (INSA)', kind: 'intelligence' }] },
];

/** `operated`: for an operator, the product it operated, set only where the cited source links them. */
type Attribution = { kind: 'product' | 'vendor' | 'government'; slug: string; operated?: string; confidence: 'confirmed' | 'high' | 'medium' | 'low'; basis: string; sources: number[] };

export interface DemoIncident {
  title: string;
  summary: string;
  /** The title and summary in Arabic (the team's translation; the English text is the one reviewed). */
  ar?: { title: string; summary: string };
  from: string;
  to?: string;
  countries: string[];
  targets: { category: string; pseudonym: string }[];
  attributions: Attribution[];
  sources: DemoSource[];
}

const cl = 'Citizen Lab, University of Toronto';
const amnesty = 'Amnesty International';

export const demoIncidents: DemoIncident[] = [
  {
    title: 'Saudi dissident in Canada infected with Pegasus',
    summary: 'Citizen Lab found that the iPhone of a Saudi dissident living in Canada was infected with Pegasus. The operator it calls KINGDOM was linked to Saudi Arabia.',
    ar: { title: 'معارض سعودي في كندا أُصيب هاتفه ببيغاسوس', summary: 'وجد مختبر سيتيزن لاب أن هاتف آيفون لمعارض سعودي يعيش في كندا أُصيب ببرنامج التجسس بيغاسوس. وقد رُبط المشغّل الذي يسمّيه KINGDOM بالمملكة العربية السعودية.' },
    from: '2018', countries: ['CA'], targets: [{ category: 'activist', pseudonym: 'Dissident in exile (Canada)' }],
    attributions: [
      { kind: 'product', slug: 'pegasus', confidence: 'high', basis: 'Pegasus infection identified by Citizen Lab through DNS cache probing and the infrastructure of the operator KINGDOM.', sources: [0] },
      { kind: 'government', slug: 'saudi-arabia', operated: 'pegasus', confidence: 'high', basis: 'Citizen Lab assessed with high confidence that the operator KINGDOM is linked to Saudi Arabia.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'The Kingdom Came to Canada: How Saudi-Linked Digital Espionage Reached Canadian Soil', publisher: cl, date: '2018-10-01', url: 'https://citizenlab.ca/2018/10/the-kingdom-came-to-canada-how-saudi-linked-digital-espionage-reached-canadian-soil/' }],
  },
  {
    title: 'Moroccan human-rights defenders targeted with Pegasus links',
    summary: 'Amnesty International documented SMS messages carrying malicious Pegasus links sent to two Moroccan human-rights defenders, and signs of network injection.',
    ar: { title: 'استهداف مدافعَين مغربيَّين عن حقوق الإنسان بروابط بيغاسوس', summary: 'وثّقت منظمة العفو الدولية رسائل نصية تحمل روابط خبيثة لبيغاسوس أُرسلت إلى مدافعَين مغربيَّين عن حقوق الإنسان، وآثار هجمات حقن الشبكة.' },
    from: '2017', to: '2019', countries: ['MA'], targets: [{ category: 'human-rights-defender', pseudonym: 'Academic and rights defender (Morocco)' }, { category: 'lawyer', pseudonym: 'Human-rights lawyer (Morocco)' }],
    attributions: [
      { kind: 'product', slug: 'pegasus', confidence: 'high', basis: 'Links pointed to domains of known Pegasus infrastructure identified by Amnesty Tech.', sources: [0] },
      { kind: 'government', slug: 'morocco', operated: 'pegasus', confidence: 'medium', basis: 'Amnesty International concluded that Moroccan security services were likely responsible, given the targets and the network injection seen inside Morocco.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'Morocco: Human Rights Defenders Targeted with NSO Group’s Spyware', publisher: amnesty, date: '2019-10-10', url: 'https://www.amnesty.org/en/latest/research/2019/10/morocco-human-rights-defenders-targeted-with-nso-groups-spyware/' }],
  },
  {
    title: 'Moroccan journalist’s iPhone targeted by network injection',
    summary: 'Amnesty International found traces of network injection attacks delivering Pegasus to the iPhone of a Moroccan journalist between early 2019 and early 2020.',
    from: '2019-01', to: '2020-01', countries: ['MA'], targets: [{ category: 'journalist', pseudonym: 'Investigative journalist (Morocco)' }],
    attributions: [
      { kind: 'product', slug: 'pegasus', confidence: 'confirmed', basis: 'Forensic traces on the device matched Pegasus network-injection infrastructure.', sources: [0] },
      { kind: 'government', slug: 'morocco', operated: 'pegasus', confidence: 'medium', basis: 'Amnesty International stated that network injection of this kind requires access to Moroccan mobile networks and attributed the attack to Moroccan authorities.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'Morocco: Journalist targeted with network injection attacks using NSO Group’s tools', publisher: amnesty, date: '2020-06-22', url: 'https://www.amnesty.org/en/latest/research/2020/06/moroccan-journalist-targeted-with-network-injection-attacks-using-nso-groups-tools/' }],
  },
  {
    title: 'Al Jazeera journalists hacked with a zero-click iMessage exploit',
    summary: 'Citizen Lab found that 36 phones of journalists, producers, anchors and executives at Al Jazeera were hacked with a zero-click iMessage exploit (KISMET) in July and August 2020.',
    from: '2020-07', to: '2020-08', countries: ['QA'], targets: [{ category: 'journalist', pseudonym: 'Al Jazeera staff (36 devices)' }],
    attributions: [
      { kind: 'product', slug: 'pegasus', confidence: 'high', basis: 'The devices connected to Pegasus installation servers identified by Citizen Lab.', sources: [0] },
      { kind: 'government', slug: 'saudi-arabia', operated: 'pegasus', confidence: 'medium', basis: 'Citizen Lab assessed with medium confidence that the operator MONARCHY acts on behalf of Saudi Arabia.', sources: [0] },
      { kind: 'government', slug: 'united-arab-emirates', operated: 'pegasus', confidence: 'medium', basis: 'Citizen Lab assessed with medium confidence that the operator SNEAKYKESTREL acts on behalf of the UAE.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'The Great iPwn: Journalists Hacked with Suspected NSO Group iMessage ‘Zero-Click’ Exploit', publisher: cl, date: '2020-12-20', url: 'https://citizenlab.ca/2020/12/the-great-ipwn-journalists-hacked-with-suspected-nso-group-imessage-zero-click-exploit/' }],
  },
  {
    title: 'Bahraini activists hacked with Pegasus',
    summary: 'Citizen Lab identified nine Bahraini activists, including members of a human-rights centre and a political society, whose iPhones were hacked with Pegasus, some through zero-click exploits.',
    ar: { title: 'اختراق هواتف تسعة ناشطين بحرينيين ببيغاسوس', summary: 'حدّد مختبر سيتيزن لاب تسعة ناشطين بحرينيين، بينهم أعضاء في مركز لحقوق الإنسان وفي جمعية سياسية، اختُرقت هواتفهم من طراز آيفون ببيغاسوس، وبعضها عبر ثغرات بلا نقرة.' },
    from: '2020-06', to: '2021-02', countries: ['BH'], targets: [{ category: 'activist', pseudonym: 'Bahraini activists (nine)' }, { category: 'human-rights-defender', pseudonym: 'Rights-centre member (Bahrain)' }],
    attributions: [
      { kind: 'product', slug: 'pegasus', confidence: 'confirmed', basis: 'Forensic analysis of the devices found Pegasus infections, including the KISMET and FORCEDENTRY zero-click exploits.', sources: [0] },
      { kind: 'government', slug: 'bahrain', operated: 'pegasus', confidence: 'high', basis: 'Citizen Lab attributed the operator LULU to the Government of Bahrain with high confidence.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'From Pearl to Pegasus: Bahraini Government Hacks Activists with NSO Group Zero-Click iPhone Exploits', publisher: cl, date: '2021-08-24', url: 'https://citizenlab.ca/2021/08/bahrain-hacks-activists-with-nso-group-zero-click-iphone-exploits/' }],
  },
  {
    title: 'DevilsTongue used against civil society in several countries',
    summary: 'Microsoft and Citizen Lab described Candiru’s Windows spyware; Microsoft identified more than 100 victims, including human-rights defenders, dissidents, journalists, activists and politicians.',
    from: '2021', countries: ['PS', 'LB', 'YE', 'ES', 'GB', 'TR', 'AM'], targets: [{ category: 'human-rights-defender', pseudonym: 'Civil-society victims (Microsoft count: 100+)' }, { category: 'journalist', pseudonym: 'Journalists (several countries)' }],
    attributions: [
      { kind: 'product', slug: 'devilstongue', confidence: 'confirmed', basis: 'Microsoft analysed the DevilsTongue implant and the Windows zero-days it used, patched in July 2021.', sources: [1] },
      { kind: 'vendor', slug: 'candiru', confidence: 'high', basis: 'Citizen Lab linked the implant and its infrastructure to Candiru; Microsoft attributed it to the Israel-based actor it calls SOURGUM.', sources: [0, 1] },
    ],
    sources: [
      { kind: 'forensic-report', title: 'Hooking Candiru: Another Mercenary Spyware Vendor Comes into Focus', publisher: cl, date: '2021-07-15', url: 'https://citizenlab.ca/2021/07/hooking-candiru-another-mercenary-spyware-vendor-comes-into-focus/' },
      { kind: 'forensic-report', title: 'Protecting customers from a private-sector offensive actor using 0-day exploits and DevilsTongue malware', publisher: 'Microsoft Threat Intelligence', date: '2021-07-15', url: 'https://www.microsoft.com/en-us/security/blog/2021/07/15/protecting-customers-from-a-private-sector-offensive-actor-using-0-day-exploits-and-devilstongue-malware/' },
    ],
  },
  {
    title: 'Exiled Egyptian politician’s iPhone infected with both Pegasus and Predator',
    summary: 'Citizen Lab found that the iPhone of an exiled Egyptian politician was infected simultaneously with Pegasus and with Predator, operated by two different government clients.',
    from: '2021-06', countries: ['TR'], targets: [{ category: 'politician', pseudonym: 'Exiled opposition politician (Egypt)' }],
    attributions: [
      { kind: 'product', slug: 'predator', confidence: 'confirmed', basis: 'Citizen Lab recovered the Predator sample from the device.', sources: [0] },
      { kind: 'product', slug: 'pegasus', confidence: 'high', basis: 'Forensic traces of a concurrent Pegasus infection.', sources: [0] },
      { kind: 'government', slug: 'egypt', operated: 'predator', confidence: 'medium', basis: 'Citizen Lab identified Egypt among Predator customers and assessed the Predator operator in this case to be Egyptian.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'Pegasus vs. Predator: Dissident’s Doubly-Infected iPhone Reveals Cytrox Mercenary Spyware', publisher: cl, date: '2021-12-16', url: 'https://citizenlab.ca/2021/12/pegasus-vs-predator-dissidents-doubly-infected-iphone-reveals-cytrox-mercenary-spyware/' }],
  },
  {
    title: 'Egyptian presidential hopeful targeted with Predator by network injection',
    summary: 'After announcing a presidential bid, an Egyptian former member of parliament was targeted with Predator through network injection on his mobile connection; an earlier 2021 infection was also found.',
    from: '2023-05', to: '2023-09', countries: ['EG'], targets: [{ category: 'politician', pseudonym: 'Presidential hopeful (Egypt)' }],
    attributions: [
      { kind: 'product', slug: 'predator', confidence: 'confirmed', basis: 'Citizen Lab and Google TAG captured the exploit chain that would have installed Predator.', sources: [0] },
      { kind: 'government', slug: 'egypt', operated: 'predator', confidence: 'high', basis: 'Citizen Lab attributed the attempt to the Egyptian government with high confidence: the injection happened inside an Egyptian network and Egypt is a known Predator customer.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'Predator in the Wires: Ahmed Eltantawy Targeted with Predator Spyware After Announcing Presidential Ambitions', publisher: cl, date: '2023-09-22', url: 'https://citizenlab.ca/2023/09/predator-in-the-wires-ahmed-eltantawy-targeted-with-predator-spyware-after-announcing-presidential-ambitions/' }],
  },
  {
    title: 'Armenian civil society and officials hacked with Pegasus during the conflict with Azerbaijan',
    summary: 'Access Now, CyberHUB-AM, Citizen Lab and Amnesty found Pegasus infections of twelve people in Armenia — journalists, a human-rights ombudsperson, civil-society members and officials — between October 2020 and December 2022. The operator was not attributed.',
    from: '2020-10', to: '2022-12', countries: ['AM'], targets: [{ category: 'journalist', pseudonym: 'Armenian journalists' }, { category: 'official', pseudonym: 'Human-rights ombudsperson’s office' }, { category: 'human-rights-defender', pseudonym: 'Civil-society members (Armenia)' }],
    attributions: [{ kind: 'product', slug: 'pegasus', confidence: 'confirmed', basis: 'Pegasus infections confirmed by forensic analysis of the devices.', sources: [0] }],
    sources: [{ kind: 'forensic-report', title: 'Hacking in a war zone: Pegasus spyware in the Azerbaijan-Armenia conflict', publisher: 'Access Now', date: '2023-05-25', url: 'https://www.accessnow.org/publication/armenia-spyware-victims-pegasus-hacking-in-war/' }],
  },
  {
    title: 'Salvadoran journalists and civil society hacked with Pegasus',
    summary: 'Access Now and Citizen Lab confirmed Pegasus infections of 35 journalists and members of civil society in El Salvador, including most of the staff of one digital newspaper.',
    from: '2020-07', to: '2021-11', countries: ['SV'], targets: [{ category: 'journalist', pseudonym: 'Digital-newspaper staff (El Salvador)' }, { category: 'activist', pseudonym: 'Civil-society members (El Salvador)' }],
    attributions: [
      { kind: 'product', slug: 'pegasus', confidence: 'confirmed', basis: 'Forensic analysis confirmed Pegasus infections on the devices.', sources: [0, 1] },
      { kind: 'government', slug: 'el-salvador', operated: 'pegasus', confidence: 'medium', basis: 'Citizen Lab found strong indications that the operator it calls TOROGOZ serves a government client in El Salvador, without conclusive attribution.', sources: [1] },
    ],
    sources: [
      { kind: 'forensic-report', title: 'Project Torogoz: Extensive hacking of media and civil society in El Salvador with Pegasus spyware', publisher: 'Access Now', date: '2022-01-12', url: 'https://www.accessnow.org/press-release/pegasus-el-salvador/' },
      { kind: 'forensic-report', title: 'Project Torogoz: Extensive Hacking of Media & Civil Society in El Salvador with Pegasus Spyware', publisher: cl, date: '2022-01-12', url: 'https://citizenlab.ca/2022/01/project-torogoz-extensive-hacking-media-civil-society-el-salvador-pegasus-spyware/' },
    ],
  },
  {
    title: 'Italian journalist and activists targeted with Graphite',
    summary: 'WhatsApp notified users that they had been targeted with Paragon’s Graphite; Citizen Lab’s forensic analysis in Italy found Graphite infections of activists and later of journalists.',
    from: '2024-12', to: '2025-01', countries: ['IT'], targets: [{ category: 'journalist', pseudonym: 'Italian journalist' }, { category: 'activist', pseudonym: 'Migrant-rescue activists (Italy)' }],
    attributions: [
      { kind: 'product', slug: 'graphite', confidence: 'high', basis: 'Citizen Lab identified Graphite infections through forensic artefacts it links to Paragon.', sources: [0] },
      { kind: 'government', slug: 'italy', operated: 'graphite', confidence: 'medium', basis: 'Citizen Lab identified a Paragon customer in Italy; the Italian government has acknowledged that its intelligence services used Paragon against some of those targeted.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'Virtue or Vice? A First Look at Paragon’s Proliferating Spyware Operations', publisher: cl, date: '2025-03-19', url: 'https://citizenlab.ca/2025/03/a-first-look-at-paragons-proliferating-spyware-operations/' }],
  },
  {
    title: 'Egyptian civil-society organisations targeted with FinSpy',
    summary: 'Amnesty International uncovered a FinSpy campaign against Egyptian civil-society organisations, with new versions for Linux and macOS, linked to the group it calls NilePhish.',
    from: '2019-09', to: '2020-09', countries: ['EG'], targets: [{ category: 'human-rights-defender', pseudonym: 'Egyptian NGOs' }],
    attributions: [
      { kind: 'product', slug: 'finspy', confidence: 'confirmed', basis: 'Amnesty Tech analysed the FinSpy samples used in the campaign.', sources: [0] },
      { kind: 'government', slug: 'egypt', operated: 'finspy', confidence: 'low', basis: 'The campaign was linked to the NilePhish group, which earlier reporting associated with Egyptian authorities; Amnesty did not attribute it conclusively.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'German-made FinSpy spyware found in Egypt, and Mac and Linux versions revealed', publisher: amnesty, date: '2020-09-25', url: 'https://www.amnesty.org/en/latest/research/2020/09/german-made-finspy-spyware-found-in-egypt-and-mac-and-linux-versions-revealed/' }],
  },
  {
    title: 'Ethiopian diaspora journalists targeted with Hacking Team’s RCS',
    summary: 'Citizen Lab found Hacking Team’s Remote Control System used against journalists of an Ethiopian diaspora news outlet based in the United States.',
    from: '2013-12', countries: ['US'], targets: [{ category: 'journalist', pseudonym: 'Diaspora news-outlet journalists' }],
    attributions: [
      { kind: 'product', slug: 'rcs-galileo', confidence: 'confirmed', basis: 'Samples identified as Hacking Team’s RCS by Citizen Lab.', sources: [0] },
      { kind: 'government', slug: 'ethiopia', operated: 'rcs-galileo', confidence: 'medium', basis: 'Citizen Lab linked the command-and-control servers to an operator in Ethiopia and the targeting to the Ethiopian government’s interests.', sources: [0] },
    ],
    sources: [{ kind: 'forensic-report', title: 'Hacking Team and the Targeting of Ethiopian Journalists', publisher: cl, date: '2014-02-12', url: 'https://citizenlab.ca/2014/02/hacking-team-targeting-ethiopian-journalists/' }],
  },
  {
    title: 'Civil-society employee in Washington DC targeted with the BLASTPASS exploit',
    summary: 'Citizen Lab found a zero-click exploit chain (BLASTPASS) delivering Pegasus to the iPhone of an employee of a Washington DC-based civil-society organisation; Apple patched it the same week.',
    from: '2023-09', countries: ['US'], targets: [{ category: 'human-rights-defender', pseudonym: 'Civil-society organisation employee (Washington DC)' }],
    attributions: [{ kind: 'product', slug: 'pegasus', confidence: 'confirmed', basis: 'Citizen Lab captured the exploit and attributed it to NSO Group’s Pegasus.', sources: [0] }],
    sources: [{ kind: 'forensic-report', title: 'BLASTPASS: NSO Group iPhone Zero-Click, Zero-Day Exploit Captured in the Wild', publisher: cl, date: '2023-09-07', url: 'https://citizenlab.ca/2023/09/blastpass-nso-group-iphone-zero-click-zero-day-exploit-captured-in-the-wild/' }],
  },
];
