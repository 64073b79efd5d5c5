// The full-size networks declare exactly the published parameter counts (no tensor is allocated): torchvision
// vgg16 features 14,714,688; alexnet features 2,469,696; resnet50 25,557,032; pytorch-fid Inception (fc excluded)
// 21,785,568; LPIPS heads 1,472 (VGG) and 1,152 (AlexNet). BatchNorm running statistics are buffers, not counted.
import { describe, expect, it } from 'vitest'
import type { ParamRef } from '../../../src/trainer/model/ops'
import { numel, Params } from '../../../src/trainer/model/params'
import { FIDInceptionV3 } from '../../../src/trainer/nets/inception-v3'
import { LPIPS } from '../../../src/trainer/nets/lpips'
import { ResNet50 } from '../../../src/trainer/nets/resnet50'

const parameterCount = (refs: readonly ParamRef[]) => refs.filter((r) => !/running_(mean|var)$/.test(r.name)).reduce((a, r) => a + numel(r.shape), 0)

describe('full-size layouts', () => {
  it('LPIPS backbones and heads', () => {
    const vgg = new LPIPS('vgg')
    const alex = new LPIPS('alex')
    expect([parameterCount(vgg.backboneParams.all()), parameterCount(vgg.headParams.all())]).toEqual([14_714_688, 1_472])
    expect([parameterCount(alex.backboneParams.all()), parameterCount(alex.headParams.all())]).toEqual([2_469_696, 1_152])
    expect(vgg.backboneParams.all().map((r) => r.name).slice(-2)).toEqual(['features.28.weight', 'features.28.bias'])
    expect(vgg.headParams.all()[4]).toEqual({ name: 'lin4.model.1.weight', shape: [1, 512, 1, 1] })
  })

  it('ResNet-50: 25,557,032 parameters in 267 state-dict entries (320 with num_batches_tracked)', () => {
    const p = Params.root()
    new ResNet50(p)
    expect(parameterCount(p.all())).toBe(25_557_032)
    expect(p.all()).toHaveLength(267)
    expect(p.all().map((r) => r.name)).toContain('layer4.0.downsample.1.running_var')
  })

  it('FID InceptionV3: 21,785,568 parameters before fc, 2048 features', () => {
    const p = Params.root()
    const net = new FIDInceptionV3(p)
    expect(parameterCount(p.all())).toBe(21_785_568)
    expect(net.featureDim).toBe(2048)
    expect(p.all().map((r) => r.name)).toContain('Mixed_7c.branch3x3dbl_3b.bn.running_mean')
  })
})
