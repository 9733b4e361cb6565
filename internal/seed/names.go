package seed

import (
	"strconv"
	"strings"
)

// Synthetic people need plausible Chinese names: dashboards and GraphiQL demos
// look wrong with "Person 123". Surnames are listed roughly by frequency, and
// picks are biased towards the front so that 王, 李, 张, 刘 and 陈 dominate as
// they do in real rosters.
var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")

var (
	givenMale   = []rune("伟强磊军洋勇杰涛明超刚平辉健俊峰斌波鹏宇浩志建国华文林海东晨博亮振宏德荣成祥龙飞鑫凯")
	givenFemale = []rune("芳娜敏静丽艳娟霞秀玲燕红梅琳雪慧莹洁婷颖倩瑶欣蓉萍兰凤佳悦琴晶怡璐彤妍薇嘉宁月")
)

// placeChars build community, village and synthetic region names.
var placeChars = []rune("东南西北中新兴安和平华阳光明青山水河湖海港湾林园桥石泉金玉龙凤云星春秋丰盛福康宁泰鸿嘉瑞祥富源桂竹松柏梅兰荷花月")

// reservedNames are the article's real people. The generators never produce
// them by chance, so a lookup by name finds exactly the scripted person.
var reservedNames = map[string]bool{
	"陈慧斌": true, "吴红霞": true, "曲玲玲": true, "王海": true, "吕剑涛": true,
	"朱伯忠": true, "陈孝军": true, "夏六均": true, "章一华": true, "林晓彤": true,
}

// pickSurname maps a uniform value in [0, 1<<32) to a surname with a bias to
// the common ones (the square of a uniform variable favours small indexes).
func pickSurname(u uint64) rune {
	u &= 0xffffffff
	i := (u * u >> 32) * uint64(len(surnames)) >> 32
	return surnames[i]
}

// personName builds a name from random bits; female selects the pool of given
// name characters. The caller re-draws when the result is reserved.
func personName(bits uint64, female bool) string {
	pool := givenMale
	if female {
		pool = givenFemale
	}
	var b strings.Builder
	b.Grow(9)
	b.WriteRune(pickSurname(bits))
	b.WriteRune(pool[(bits>>32)%uint64(len(pool))])
	if (bits>>40)%10 < 7 {
		b.WriteRune(pool[(bits>>44)%uint64(len(pool))])
	}
	return b.String()
}

// placeName builds a two-character place name between prefix and suffix
// (社区, 村, 街道, 有限公司, ...).
func placeName(bits uint64, prefix, suffix string) string {
	n := uint64(len(placeChars))
	a, b := placeChars[bits%n], placeChars[(bits>>16)%n]
	if a == b {
		b = placeChars[(bits>>16+1)%n]
	}
	return prefix + string([]rune{a, b}) + suffix
}

// phoneNumber returns a fake mobile number that is unique per sequence number.
// The 138 prefix is a real carrier range, but the numbers are generated
// sequentially and carry no meaning; they exist so that masking of personal
// data has something to mask.
func phoneNumber(seq int) string {
	s := strconv.Itoa(seq % 100000000)
	return "138" + strings.Repeat("0", 8-len(s)) + s
}
