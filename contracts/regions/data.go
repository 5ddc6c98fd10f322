package regions

// provinceData lists the 34 provincial-level divisions of GB/T 2260 with the
// code of their capital. A province's own coordinates are its capital's, so
// a distance to "somewhere in Hubei" is a distance to Wuhan.
//
// Hong Kong, Macao and Taiwan have no prefecture-level codes in GB/T 2260;
// their province code is their only code and stands for the city centre
// (Hong Kong, Macao, Taipei).
var provinceData = []Region{
	{Code: "110000", Name: "Beijing", NameZh: "北京市", Capital: "110100"},
	{Code: "120000", Name: "Tianjin", NameZh: "天津市", Capital: "120100"},
	{Code: "130000", Name: "Hebei", NameZh: "河北省", Capital: "130100"},
	{Code: "140000", Name: "Shanxi", NameZh: "山西省", Capital: "140100"},
	{Code: "150000", Name: "Inner Mongolia", NameZh: "内蒙古自治区", Capital: "150100"},
	{Code: "210000", Name: "Liaoning", NameZh: "辽宁省", Capital: "210100"},
	{Code: "220000", Name: "Jilin", NameZh: "吉林省", Capital: "220100"},
	{Code: "230000", Name: "Heilongjiang", NameZh: "黑龙江省", Capital: "230100"},
	{Code: "310000", Name: "Shanghai", NameZh: "上海市", Capital: "310100"},
	{Code: "320000", Name: "Jiangsu", NameZh: "江苏省", Capital: "320100"},
	{Code: "330000", Name: "Zhejiang", NameZh: "浙江省", Capital: "330100"},
	{Code: "340000", Name: "Anhui", NameZh: "安徽省", Capital: "340100"},
	{Code: "350000", Name: "Fujian", NameZh: "福建省", Capital: "350100"},
	{Code: "360000", Name: "Jiangxi", NameZh: "江西省", Capital: "360100"},
	{Code: "370000", Name: "Shandong", NameZh: "山东省", Capital: "370100"},
	{Code: "410000", Name: "Henan", NameZh: "河南省", Capital: "410100"},
	{Code: "420000", Name: "Hubei", NameZh: "湖北省", Capital: "420100"},
	{Code: "430000", Name: "Hunan", NameZh: "湖南省", Capital: "430100"},
	{Code: "440000", Name: "Guangdong", NameZh: "广东省", Capital: "440100"},
	{Code: "450000", Name: "Guangxi", NameZh: "广西壮族自治区", Capital: "450100"},
	{Code: "460000", Name: "Hainan", NameZh: "海南省", Capital: "460100"},
	{Code: "500000", Name: "Chongqing", NameZh: "重庆市", Capital: "500100"},
	{Code: "510000", Name: "Sichuan", NameZh: "四川省", Capital: "510100"},
	{Code: "520000", Name: "Guizhou", NameZh: "贵州省", Capital: "520100"},
	{Code: "530000", Name: "Yunnan", NameZh: "云南省", Capital: "530100"},
	{Code: "540000", Name: "Tibet", NameZh: "西藏自治区", Capital: "540100"},
	{Code: "610000", Name: "Shaanxi", NameZh: "陕西省", Capital: "610100"},
	{Code: "620000", Name: "Gansu", NameZh: "甘肃省", Capital: "620100"},
	{Code: "630000", Name: "Qinghai", NameZh: "青海省", Capital: "630100"},
	{Code: "640000", Name: "Ningxia", NameZh: "宁夏回族自治区", Capital: "640100"},
	{Code: "650000", Name: "Xinjiang", NameZh: "新疆维吾尔自治区", Capital: "650100"},
	{Code: "710000", Name: "Taiwan", NameZh: "台湾省", Lat: 25.0330, Lon: 121.5654},
	{Code: "810000", Name: "Hong Kong", NameZh: "香港特别行政区", Lat: 22.3193, Lon: 114.1694},
	{Code: "820000", Name: "Macao", NameZh: "澳门特别行政区", Lat: 22.1987, Lon: 113.5439},
}

// cityData lists prefecture-level cities with the coordinates of their
// centre: every provincial capital (for a municipality, its city-level code
// xx0100), then the other cities the demo and tests use. It is not the
// whole GB/T 2260 table; any other code in a known province falls back to
// its prefecture, then its province (see Locate).
var cityData = []Region{
	// Capitals.
	{Code: "110100", Name: "Beijing", NameZh: "北京市", Lat: 39.9042, Lon: 116.4074},
	{Code: "120100", Name: "Tianjin", NameZh: "天津市", Lat: 39.0842, Lon: 117.2010},
	{Code: "130100", Name: "Shijiazhuang", NameZh: "石家庄市", Lat: 38.0428, Lon: 114.5149},
	{Code: "140100", Name: "Taiyuan", NameZh: "太原市", Lat: 37.8706, Lon: 112.5489},
	{Code: "150100", Name: "Hohhot", NameZh: "呼和浩特市", Lat: 40.8424, Lon: 111.7490},
	{Code: "210100", Name: "Shenyang", NameZh: "沈阳市", Lat: 41.8057, Lon: 123.4315},
	{Code: "220100", Name: "Changchun", NameZh: "长春市", Lat: 43.8171, Lon: 125.3235},
	{Code: "230100", Name: "Harbin", NameZh: "哈尔滨市", Lat: 45.8038, Lon: 126.5350},
	{Code: "310100", Name: "Shanghai", NameZh: "上海市", Lat: 31.2304, Lon: 121.4737},
	{Code: "320100", Name: "Nanjing", NameZh: "南京市", Lat: 32.0603, Lon: 118.7969},
	{Code: "330100", Name: "Hangzhou", NameZh: "杭州市", Lat: 30.2741, Lon: 120.1551},
	{Code: "340100", Name: "Hefei", NameZh: "合肥市", Lat: 31.8206, Lon: 117.2272},
	{Code: "350100", Name: "Fuzhou", NameZh: "福州市", Lat: 26.0745, Lon: 119.2965},
	{Code: "360100", Name: "Nanchang", NameZh: "南昌市", Lat: 28.6820, Lon: 115.8579},
	{Code: "370100", Name: "Jinan", NameZh: "济南市", Lat: 36.6512, Lon: 117.1201},
	{Code: "410100", Name: "Zhengzhou", NameZh: "郑州市", Lat: 34.7466, Lon: 113.6254},
	{Code: "420100", Name: "Wuhan", NameZh: "武汉市", Lat: 30.5928, Lon: 114.3055},
	{Code: "430100", Name: "Changsha", NameZh: "长沙市", Lat: 28.2282, Lon: 112.9388},
	{Code: "440100", Name: "Guangzhou", NameZh: "广州市", Lat: 23.1291, Lon: 113.2644},
	{Code: "450100", Name: "Nanning", NameZh: "南宁市", Lat: 22.8170, Lon: 108.3665},
	{Code: "460100", Name: "Haikou", NameZh: "海口市", Lat: 20.0440, Lon: 110.1999},
	{Code: "500100", Name: "Chongqing", NameZh: "重庆市", Lat: 29.5630, Lon: 106.5516},
	{Code: "510100", Name: "Chengdu", NameZh: "成都市", Lat: 30.5728, Lon: 104.0668},
	{Code: "520100", Name: "Guiyang", NameZh: "贵阳市", Lat: 26.6470, Lon: 106.6302},
	{Code: "530100", Name: "Kunming", NameZh: "昆明市", Lat: 25.0389, Lon: 102.7183},
	{Code: "540100", Name: "Lhasa", NameZh: "拉萨市", Lat: 29.6520, Lon: 91.1721},
	{Code: "610100", Name: "Xi'an", NameZh: "西安市", Lat: 34.3416, Lon: 108.9398},
	{Code: "620100", Name: "Lanzhou", NameZh: "兰州市", Lat: 36.0611, Lon: 103.8343},
	{Code: "630100", Name: "Xining", NameZh: "西宁市", Lat: 36.6171, Lon: 101.7782},
	{Code: "640100", Name: "Yinchuan", NameZh: "银川市", Lat: 38.4872, Lon: 106.2309},
	{Code: "650100", Name: "Urumqi", NameZh: "乌鲁木齐市", Lat: 43.8256, Lon: 87.6168},

	// Other cities: manufacturing centres and the hardest-hit Hubei cities.
	// Ezhou (420700) is deliberately absent: it is the documented example of
	// a code that falls back to its province capital.
	{Code: "210200", Name: "Dalian", NameZh: "大连市", Lat: 38.9140, Lon: 121.6147},
	{Code: "320500", Name: "Suzhou", NameZh: "苏州市", Lat: 31.2990, Lon: 120.5853},
	{Code: "330200", Name: "Ningbo", NameZh: "宁波市", Lat: 29.8683, Lon: 121.5440},
	{Code: "330300", Name: "Wenzhou", NameZh: "温州市", Lat: 27.9938, Lon: 120.6994},
	{Code: "350200", Name: "Xiamen", NameZh: "厦门市", Lat: 24.4798, Lon: 118.0894},
	{Code: "370200", Name: "Qingdao", NameZh: "青岛市", Lat: 36.0671, Lon: 120.3826},
	{Code: "420500", Name: "Yichang", NameZh: "宜昌市", Lat: 30.6919, Lon: 111.2865},
	{Code: "420900", Name: "Xiaogan", NameZh: "孝感市", Lat: 30.9245, Lon: 113.9169},
	{Code: "421100", Name: "Huanggang", NameZh: "黄冈市", Lat: 30.4537, Lon: 114.8724},
	{Code: "440300", Name: "Shenzhen", NameZh: "深圳市", Lat: 22.5431, Lon: 114.0579},
	{Code: "440600", Name: "Foshan", NameZh: "佛山市", Lat: 23.0215, Lon: 113.1214},
	{Code: "441900", Name: "Dongguan", NameZh: "东莞市", Lat: 23.0207, Lon: 113.7518},
}
